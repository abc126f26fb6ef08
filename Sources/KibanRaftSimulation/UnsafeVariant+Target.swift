package import KibanRaft

extension UnsafeVariant {
    /// The property whose checker is aimed at this variant's bug: the simulator must report
    /// this one, and no other, as the first violation of a run with the variant on.
    ///
    /// The first four lose a committed entry. The earliest moment that can be seen is the
    /// election of a leader without it, so leader completeness reports them; state machine
    /// safety would see the loss only later, when another entry at that index is applied.
    package var targetedProperty: Violation.Property {
        switch self {
        case .commitPreviousTermByCount, .voteWithoutLogCheck, .acknowledgeWithoutAppend,
            .countUnpersistedOwnEntries:
            return .leaderCompleteness
        case .voteTwiceInTerm: return .electionSafety
        case .skipPrevLogTermCheck: return .logMatching
        case .applyUncommittedEntries: return .stateMachineSafety
        case .lowerCommitFromHeartbeat: return .commitMonotonic
        case .readBeforeTermCommit: return .linearizableRead
        case .broadcastOnEveryAppendResponse: return .boundedTraffic
        case .forgetAppliedIndex: return .exactlyOnce
        case .ignoreAppendRejections: return .liveness
        }
    }
}

/// The parameters of one Raft node.
public struct Config: Sendable {
    /// This node's id; never 0.
    public var id: NodeID
    /// Ticks without hearing from a leader before a follower campaigns. The actual timeout is
    /// drawn from `[electionTimeoutTicks, 2 × electionTimeoutTicks)` per term (§5.2).
    public var electionTimeoutTicks: Int = 10
    /// Ticks between a leader's heartbeats; must be well below ``electionTimeoutTicks``.
    public var heartbeatIntervalTicks: Int = 1
    /// The index the application has already applied (its state machine survives restarts).
    public var applied: UInt64 = 0
    /// Upper bound on the entry bytes of one append message (batching).
    public var messageBytesMax: Int = 1 << 20
    /// Upper bound on append messages in flight to one follower (pipelining).
    public var inflightMessagesMax: Int = 256
    /// Upper bound on entry bytes in flight to one follower.
    public var inflightBytesMax: Int = 64 << 20
    /// Upper bound on the bytes of committed entries handed out in one ``Ready``.
    public var applyBytesMax: Int = 64 << 20
    /// Run a pre-vote before each election, so that a node that was cut off does not disrupt
    /// the cluster by bumping terms when it comes back (thesis §9.6).
    public var preVote = true
    /// A leader steps down when it has not heard from a quorum within an election timeout, and
    /// followers ignore vote requests while they hear from a leader (thesis §6.2, §9.6).
    public var checkQuorum = true
    /// Deliberately broken behaviours, for showing that the simulator's checkers catch bugs.
    /// Never set outside tests.
    package var unsafeVariants: Set<UnsafeVariant> = []

    /// Creates a configuration with the defaults above.
    public init(id: NodeID) {
        self.id = id
    }

    func validate() throws(RaftError) {
        guard id != 0 else { throw RaftError(.invalidConfig, "node id 0 is reserved for 'none'") }
        guard heartbeatIntervalTicks > 0, electionTimeoutTicks > heartbeatIntervalTicks else {
            throw RaftError(.invalidConfig, "election timeout must exceed the heartbeat interval")
        }
        guard messageBytesMax > 0, inflightMessagesMax > 0, inflightBytesMax > 0, applyBytesMax > 0 else {
            throw RaftError(.invalidConfig, "size and in-flight limits must be positive")
        }
    }
}

/// Known-unsafe deviations from the algorithm, for tests only: each breaks one guarantee, and
/// the simulator must catch it with the checker aimed at that guarantee (docs/testing.md). They
/// are off by default, `package` (so no public API reaches them), and no configuration file or
/// command-line option of `kiban` maps to them (`make lint` checks that only KibanRaft, the
/// simulator and its tests name them).
package enum UnsafeVariant: Sendable, Hashable, CaseIterable {
    /// Commit an entry of an earlier term by counting its replicas (the Figure 8 bug, §5.4.2).
    case commitPreviousTermByCount
    /// Grant votes without checking that the candidate's log is up to date (§5.4.1).
    case voteWithoutLogCheck
    /// Let a follower acknowledge appends without keeping the entries (lost acknowledgement).
    case acknowledgeWithoutAppend
    /// Count the leader's own entries toward commitment before they are persisted, while the
    /// caller sends the leader's messages before persisting (a commit a crash can undo).
    case countUnpersistedOwnEntries
    /// Grant a vote to every candidate of the term, not only the first (§5.2: one vote per term).
    case voteTwiceInTerm
    /// Accept an append whose previous entry has another term (§5.3: the consistency check).
    case skipPrevLogTermCheck
    /// Hand entries to the application as soon as they are in the log, before they commit.
    case applyUncommittedEntries
    /// Take the commit index of every heartbeat, also one lower than the node's own.
    case lowerCommitFromHeartbeat
    /// Serve a ReadIndex before the new leader committed an entry of its term, at a commit
    /// index that may lag its predecessor's (thesis §6.4).
    case readBeforeTermCommit
    /// Answer every append response with appends to every member (a message feedback loop).
    case broadcastOnEveryAppendResponse
    /// Hand the same committed entries to the application again: the applied index is not kept.
    case forgetAppliedIndex
    /// Ignore append rejections: a follower whose log diverged is never brought back in line.
    case ignoreAppendRejections
}

/// A Raft failure a caller must handle: a refused proposal or a bad configuration.
public struct RaftError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which failure.
    public enum Code: String, Sendable, Hashable {
        /// No leader is known; retry after an election.
        case noLeader
        /// A leadership transfer is in progress; retry after it ends.
        case transferring
        /// The previous membership change is not committed yet; retry after it is.
        case configChangePending
        /// The leader has not committed an entry of its term yet; retry shortly.
        case leaderNotReady
        /// The membership change does not apply to the current configuration.
        case invalidConfigChange
        /// The node configuration is invalid.
        case invalidConfig
        /// The call needs this node to be the leader.
        case notLeader
    }

    /// Which failure.
    public let code: Code
    /// What happened and what to do.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Something a node did that an operator may want in the log. The shell logs these.
public enum RaftEvent: Sendable, Hashable {
    case campaignStarted(term: UInt64, preVote: Bool)
    case becameLeader(term: UInt64)
    case becameFollower(term: UInt64, leader: NodeID)
    case steppedDownLostQuorum(term: UInt64)
    case steppedDownRemoved(term: UInt64)
    case configurationChanged(index: UInt64, ConfState)
    case transferStarted(to: NodeID)
    case transferAborted(to: NodeID)
    case snapshotRestored(index: UInt64, term: UInt64)
}

extension RaftEvent: CustomStringConvertible {
    public var description: String {
        switch self {
        case .campaignStarted(let term, let pre):
            return pre ? "asks for pre-votes for term \(term)" : "campaigns in term \(term)"
        case .becameLeader(let term): return "leads term \(term)"
        case .becameFollower(let term, let leader):
            return leader == 0 ? "follows in term \(term), leader unknown" : "follows \(leader) in term \(term)"
        case .steppedDownLostQuorum(let term): return "steps down in term \(term): no quorum heard"
        case .steppedDownRemoved(let term): return "steps down in term \(term): removed from the group"
        case .configurationChanged(let index, let conf):
            return "configuration at index \(index): voters \(conf.voters.sorted()), learners \(conf.learners.sorted())"
        case .transferStarted(let to): return "transfers leadership to \(to)"
        case .transferAborted(let to): return "abandons the transfer to \(to)"
        case .snapshotRestored(let index, let term): return "restores snapshot \(index)/\(term)"
        }
    }
}

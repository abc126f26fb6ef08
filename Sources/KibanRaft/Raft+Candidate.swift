extension Raft {
    /// A (pre-)candidate waits for votes; a leader's message of its term makes it a follower.
    mutating func stepCandidate(_ m: Message) {
        switch m.kind {
        case .append, .heartbeat, .snapshot:
            becomeFollower(term: m.term, lead: m.from)
            stepFollower(m)
        case .voteResponse where role == .candidate, .preVoteResponse where role == .preCandidate:
            votes[m.from] = votes[m.from] ?? !m.reject
            tallyVotes()
        default:
            // Proposals and reads are dropped: there is no leader to serve them.
            break
        }
    }
}

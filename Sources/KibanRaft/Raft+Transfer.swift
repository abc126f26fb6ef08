extension Raft {
    /// Leadership transfer (thesis §3.10): bring `to` up to date, then tell it to campaign at
    /// once. Proposals are refused meanwhile; the transfer is abandoned after an election
    /// timeout.
    mutating func transferLeadership(to: NodeID) throws(RaftError) {
        guard role == .leader else { throw RaftError(.notLeader, "only the leader can transfer leadership") }
        guard to != id else { return }
        guard conf.voters.contains(to), let pr = progress[to] else {
            throw RaftError(.invalidConfigChange, "\(to) is not a voter: only voters can lead")
        }
        if leadTransferee == to { return }
        abortLeaderTransfer()
        leadTransferee = to
        electionElapsed = 0
        events.append(.transferStarted(to: to))
        if pr.match == log.lastIndex {
            sendTimeoutNow(to: to)
        } else {
            sendAppend(to: to)
        }
    }

    mutating func sendTimeoutNow(to: NodeID) {
        send(Message(kind: .timeoutNow, from: id, to: to, term: term))
    }

    mutating func abortLeaderTransfer() {
        guard leadTransferee != 0 else { return }
        events.append(.transferAborted(to: leadTransferee))
        leadTransferee = 0
    }
}

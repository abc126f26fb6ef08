extension Raft {
    /// ReadIndex (thesis §6.4): a read at the current commit index is linearizable once a quorum
    /// confirms that this node is still the leader. A leader that has not committed an entry of
    /// its term does not know the latest commit index, so such reads wait for that first.
    mutating func requestRead(context: [UInt8], from: NodeID) {
        guard role == .leader else { return }
        guard log.committed >= termStartIndex || config.unsafeVariants.contains(.readBeforeTermCommit) else {
            readsAwaitingCommit.append((context, from))
            return
        }
        if conf.voters == [id] {
            releaseRead(context, index: log.committed, to: from)
            return
        }
        readOnly.add(index: log.committed, context: context, from: from, leader: id)
        broadcastHeartbeat(context: context)
    }

    mutating func releaseRead(_ context: [UInt8], index: UInt64, to: NodeID) {
        if to == id {
            readStates.append(ReadState(index: index, context: context))
        } else {
            var m = Message(kind: .readIndexResponse, from: id, to: to, term: term)
            m.index = index
            m.context = context
            send(m)
        }
    }

    mutating func releaseReadsAwaitingCommit() {
        let waiting = readsAwaitingCommit
        readsAwaitingCommit = []
        for read in waiting { requestRead(context: read.context, from: read.from) }
    }
}

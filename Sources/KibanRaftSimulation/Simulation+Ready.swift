import KibanRaft

extension Simulation {
    /// Does what the node's Ready asks, in the documented order, checking as it goes. May crash
    /// the node between persisting and sending (the "crash after fsync" case).
    mutating func processReady(_ id: NodeID) throws(Violation) {
        guard var raft = nodes[id]?.raft, raft.hasReady, let storage = nodes[id]?.storage else { return }
        let rd = raft.ready()
        // A leader's own messages may leave before its write (``Ready``): then a crash can
        // fall between them.
        let early = options.leaderSendsBeforePersist ? rd.messages.filter(\.isLeaderMessage) : []
        send(early)
        if !early.isEmpty && faultsActive && random.chance(options.crashRate * 10) {
            crash(id)
            return
        }
        // 1. Persist.
        if let snapshot = rd.snapshot { storage.applySnapshot(snapshot) }
        storage.append(rd.entries)
        if let hs = rd.hardState { storage.setHardState(hs) }
        try checker.observePersisted(rd.entries, node: id, log: storage)
        if let hs = rd.hardState, var seen = nodes[id]?.commitSeen {
            try checker.observeCommit(hs.commit, node: id, persisted: true, seen: &seen)
            checker.observeDurableCommit(from: nodes[id]?.commitSeen ?? 0, to: hs.commit, node: raft)
            nodes[id]?.commitSeen = seen
        }
        if faultsActive && random.chance(options.crashRate * 10) {
            crash(id)
            return
        }
        // 2. Send.
        send(options.leaderSendsBeforePersist ? rd.messages.filter { !$0.isLeaderMessage } : rd.messages)
        // 3. Apply.
        if let snapshot = rd.snapshot {
            nodes[id]?.restore(snapshot)
            appliedPayloads[id] = Set(nodes[id]?.applied.values.filter { $0.kind == .normal }.map(\.data) ?? [])
            stats.snapshotsInstalled += 1
            log("node \(id) installed snapshot \(snapshot.metadata.index)")
        }
        for e in rd.committedEntries {
            try apply(e, on: id)
        }
        // 4. Release reads.
        for rs in rd.readStates {
            try release(rs, on: id)
        }
        raft.advance(rd)
        nodes[id]?.raft = raft
    }

    private mutating func send(_ messages: [Message]) {
        for m in messages {
            sentMessages?.messages.append(m)
            network.send(m, now: now, random: &random)
        }
    }

    private mutating func apply(_ e: Entry, on id: NodeID) throws(Violation) {
        guard let applied = nodes[id]?.appliedIndex else { return }
        try checker.observeApplied(e, node: id, after: applied)
        nodes[id]?.applied[e.index] = e
        nodes[id]?.appliedIndex = e.index
        guard e.kind == .normal, !e.data.isEmpty else { return }
        // The state machine deduplicates by proposal id, as KibanStore does by client sequence:
        // a proposal forwarded twice by a duplicating network appears twice in the log.
        if appliedPayloads[id]?.contains(e.data) == true {
            stats.duplicatesSkipped += 1
            return
        }
        appliedPayloads[id, default: []].insert(e.data)
        if proposer[e.data] == id && !acknowledged.contains(e.data) {
            acknowledged.insert(e.data)
            stats.proposalsAcknowledged += 1
        }
    }

    private mutating func release(_ rs: ReadState, on id: NodeID) throws(Violation) {
        guard try checker.observeReadReleased(context: rs.context, index: rs.index, node: id) else { return }
        stats.readsReleased += 1
    }
}

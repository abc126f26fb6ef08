import KibanRaft
import Logging

/// The Raft loop: ticks, incoming messages, and the processing of each Ready.
extension Store {
    func tick() {
        guard !stopped else { return }
        node.tick()
        ticks += 1
        proposals.expire(now: ticks)
        reads.expire(now: ticks)
        tickWaits.expire(now: ticks)
        expireLeases()
        compactHistoryIfLong()
        scheduleReady()
    }

    /// The leader bounds the history (etcd leaves this to an option or the client; subsystems
    /// here never compact by themselves, so the store does it).
    private func compactHistoryIfLong() {
        let kept = options.historyRevisionsKept
        guard kept > 0, node.role == .leader, !autoCompacting,
            machine.revision - machine.compactRevision >= 2 * kept
        else { return }
        autoCompacting = true
        let target = machine.revision - kept
        Task {
            _ = try? await self.propose(.compact(revision: target))
            self.autoCompacting = false
        }
    }

    func receive(_ messages: [Message]) {
        guard !stopped else { return }
        for m in messages {
            lastHeard[m.from] = ticks
            node.step(m)
        }
        scheduleReady()
    }

    /// Processes Readys in a separate turn of the actor, so that proposals arriving meanwhile
    /// join the next batch (group commit).
    func scheduleReady() {
        guard !readyScheduled, !stopped else { return }
        readyScheduled = true
        Task { self.drainReady() }
    }

    private func drainReady() {
        readyScheduled = false
        while !stopped && node.hasReady {
            do {
                try processReady()
            } catch {
                logger.critical(
                    "stopping: cannot write the store's files",
                    metadata: ["kiban.store.error": "\(error)"])
                stop()
            }
        }
    }

    /// One Ready, in the order ``KibanRaft/Ready`` documents.
    private func processReady() throws(StoreError) {
        let rd = node.ready()
        for event in rd.events { logEvent(event) }
        if let soft = rd.softState {
            roleChanged(to: soft.role)
            if soft.leader != knownLeader {
                knownLeader = soft.leader
                if soft.leader != 0 { metrics.leaderChanged() }
            }
        }
        // A leader's appends leave before its own write, so its fsync overlaps the followers'.
        let early = rd.messages.filter(\.isLeaderMessage)
        transport.send(early)
        // 1. Persist: snapshot, entries and hard state in one transaction (one fsync).
        let persistStart = ContinuousClock.now
        try log.persist(snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState, sync: rd.mustSync)
        if rd.mustSync { metrics.persisted(entries: rd.entries.count, duration: ContinuousClock.now - persistStart) }
        // 2. Send the rest: acknowledgements and votes only once on disk.
        transport.send(rd.messages.filter { !$0.isLeaderMessage })
        if !transport.reportsSnapshotOutcome {
            for m in rd.messages where m.kind == .snapshot { node.reportSnapshot(m.to, succeeded: true) }
        }
        // 3. Apply.
        if let snapshot = rd.snapshot { try installSnapshot(snapshot) }
        try applyCommitted(rd.committedEntries)
        // 4. Release reads.
        for rs in rd.readStates { readConfirmed(rs) }
        node.advance(rd)
        try compactIfNeeded()
    }

    private func logEvent(_ event: RaftEvent) {
        logger.info("raft: \(event)", metadata: ["kiban.store.term": "\(node.term)"])
    }
}

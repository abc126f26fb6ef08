extension Raft {
    /// Sends the next batch of entries to `to`, or the snapshot when they were compacted away.
    /// Returns false when nothing was sent (paused, or nothing to send and `sendIfEmpty` off).
    @discardableResult
    mutating func sendAppend(to: NodeID, sendIfEmpty: Bool = true) -> Bool {
        guard to != id, var pr = progress[to], !pr.isPaused else { return false }
        let prevIndex = pr.next - 1
        guard let prevTerm = log.term(prevIndex),
            let entries = log.entries(from: pr.next, maxBytes: config.messageBytesMax)
        else {
            return sendSnapshot(to: to)
        }
        if entries.isEmpty && !sendIfEmpty { return false }
        var m = Message(kind: .append, from: id, to: to, term: term)
        m.logIndex = prevIndex
        m.logTerm = prevTerm
        m.entries = entries
        m.commit = log.committed
        if let last = entries.last {
            switch pr.state {
            case .replicate:
                pr.next = last.index + 1
                pr.inflights.add(index: last.index, bytes: m.entriesSizeBytes)
            case .probe:
                pr.probeSent = true
            case .snapshot:
                preconditionFailure("sending entries to a member in snapshot state")
            }
        }
        progress[to] = pr
        send(m)
        return true
    }

    private mutating func sendSnapshot(to: NodeID) -> Bool {
        // A member not heard from lately may be down: do not send it a large snapshot yet.
        guard var pr = progress[to], pr.recentActive, let snapshot = log.snapshot(), !snapshot.isEmpty else {
            return false
        }
        var m = Message(kind: .snapshot, from: id, to: to, term: term)
        m.snapshot = snapshot
        pr.becomeSnapshot(index: snapshot.metadata.index)
        progress[to] = pr
        send(m)
        return true
    }

    mutating func broadcastAppend() {
        for member in progress.keys.sorted() where member != id {
            sendAppend(to: member)
        }
    }

    mutating func broadcastHeartbeat(context: [UInt8]?) {
        for member in progress.keys.sorted() where member != id {
            guard let pr = progress[member] else { continue }
            var m = Message(kind: .heartbeat, from: id, to: member, term: term)
            // Never ahead of what the member holds, so that it can commit safely.
            m.commit = min(pr.match, log.committed)
            m.context = context ?? []
            send(m)
        }
    }

    /// Called by the caller's transport when `to` could not be reached: fall back to probing.
    mutating func reportUnreachable(_ to: NodeID) {
        guard role == .leader, progress[to]?.state == .replicate else { return }
        progress[to]?.becomeProbe()
    }

    /// A snapshot unacknowledged for `snapshotExpiryRounds` election timeouts was probably lost
    /// (or its transfer failed without a report): probe again, which resends it if still needed.
    mutating func expireSnapshots() {
        for member in progress.keys.sorted() where progress[member]?.state == .snapshot {
            progress[member]?.snapshotAgeRounds += 1
            if let age = progress[member]?.snapshotAgeRounds, age >= Self.snapshotExpiryRounds {
                progress[member]?.becomeProbe()
            }
        }
    }

    static let snapshotExpiryRounds = 3

    /// Called when sending a snapshot finished; on failure the leader retries later.
    mutating func reportSnapshot(_ to: NodeID, succeeded: Bool) {
        guard role == .leader, var pr = progress[to], pr.state == .snapshot else { return }
        if !succeeded { pr.pendingSnapshot = 0 }
        pr.becomeProbe()
        // Wait for an answer (or the next heartbeat) before probing again.
        pr.probeSent = true
        progress[to] = pr
    }
}

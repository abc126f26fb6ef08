extension Raft {
    mutating func stepFollower(_ m: Message) {
        switch m.kind {
        case .append:
            electionElapsed = 0
            lead = m.from
            handleAppend(m)
        case .heartbeat:
            electionElapsed = 0
            lead = m.from
            handleHeartbeat(m)
        case .snapshot:
            electionElapsed = 0
            lead = m.from
            handleSnapshot(m)
        case .timeoutNow:
            // Thesis §3.10: the leader asks us to take over; skip the pre-vote and the lease.
            hup(transfer: true)
        case .readIndexResponse:
            readStates.append(ReadState(index: m.index, context: m.context))
        case .propose, .readIndex:
            // Only our own requests are forwarded, so a request never travels in a loop
            // between followers with stale ideas of who leads.
            guard lead != 0, m.from == id else { return }
            var forwarded = m
            forwarded.to = lead
            send(forwarded)
        default:
            break
        }
    }

    mutating func handleAppend(_ m: Message) {
        var r = Message(kind: .appendResponse, from: id, to: m.from, term: term)
        if m.logIndex < log.committed {
            // Everything up to our commit index matches the leader's log already.
            r.index = log.committed
            send(r)
            return
        }
        if config.unsafeVariants.contains(.acknowledgeWithoutAppend), log.matchTerm(m.logIndex, m.logTerm) {
            r.index = m.logIndex + UInt64(m.entries.count)
            send(r)
            return
        }
        let prevTerm = config.unsafeVariants.contains(.skipPrevLogTermCheck) ? log.term(m.logIndex) ?? m.logTerm : m.logTerm
        if let (lastNew, appended) = log.maybeAppend(
            prevIndex: m.logIndex, prevTerm: prevTerm,
            entries: m.entries)
        {
            recordConfigs(appended)
            log.commitTo(min(m.commit, lastNew))
            r.index = lastNew
        } else {
            let hint = log.findConflictByTerm(index: min(m.logIndex, log.lastIndex), term: m.logTerm)
            r.reject = true
            r.index = m.logIndex
            r.rejectHint = hint.index
            r.logTerm = hint.term
        }
        send(r)
    }

    mutating func handleHeartbeat(_ m: Message) {
        // The leader sends min(our match, its commit), so this never passes our log.
        if config.unsafeVariants.contains(.lowerCommitFromHeartbeat) {
            log.overwriteCommit(min(m.commit, log.lastIndex))
        } else {
            log.commitTo(min(m.commit, log.lastIndex))
        }
        var r = Message(kind: .heartbeatResponse, from: id, to: m.from, term: term)
        r.context = m.context
        send(r)
    }

    mutating func handleSnapshot(_ m: Message) {
        var r = Message(kind: .appendResponse, from: id, to: m.from, term: term)
        if let snapshot = m.snapshot, restore(snapshot) {
            r.index = log.lastIndex
        } else {
            r.index = log.committed
        }
        send(r)
    }

    /// Installs a snapshot from the leader; false when it brings nothing new.
    mutating func restore(_ snapshot: Snapshot) -> Bool {
        let meta = snapshot.metadata
        guard meta.index > log.committed else { return false }
        if log.matchTerm(meta.index, meta.term) {
            // We already hold the entries it covers: only the commit index moves.
            log.commitTo(meta.index)
            return false
        }
        log.restore(snapshot)
        configs.restore(index: meta.index, conf: meta.confState)
        events.append(.snapshotRestored(index: meta.index, term: meta.term))
        return true
    }
}

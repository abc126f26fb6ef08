extension Raft {
    mutating func stepLeader(_ m: Message) {
        switch m.kind {
        case .propose:
            _ = try? proposeEntries(m.entries)
        case .readIndex:
            requestRead(context: m.context, from: m.from)
        case .appendResponse:
            handleAppendResponse(m)
        case .heartbeatResponse:
            handleHeartbeatResponse(m)
        default:
            break
        }
    }

    /// Appends the leader's own entries: assigns term and index, updates its own progress, and
    /// records configuration changes (which take effect now, thesis §4.1).
    mutating func appendEntries(_ entries: [Entry]) {
        var entries = entries
        let last = log.lastIndex
        for i in entries.indices {
            entries[i].term = term
            entries[i].index = last + 1 + UInt64(i)
        }
        log.append(entries)
        recordConfigs(entries)
        if config.unsafeVariants.contains(.countUnpersistedOwnEntries) {
            _ = progress[id]?.maybeUpdate(log.lastIndex)
            maybeCommit()
        }
        // The leader's own copy counts toward a quorum only once persisted (``persisted()``),
        // so no commit index it sends covers entries that a crash could still take back. That
        // lets a caller send a leader's appends while it writes them (see ``Ready``).
    }

    /// The caller persisted everything up to the stable index: count the leader's own copy.
    mutating func persisted() {
        guard role == .leader, progress[id] != nil else { return }
        guard progress[id]?.maybeUpdate(log.stableIndex) == true else { return }
        if maybeCommit(), role == .leader { broadcastAppend() }
    }

    /// Leader: accepts entries from the application, checking the membership-change rules.
    mutating func proposeEntries(_ entries: [Entry]) throws(RaftError) {
        guard leadTransferee == 0 else {
            throw RaftError(.transferring, "leadership is moving to \(leadTransferee); retry on the new leader")
        }
        let changes = entries.filter { $0.kind == .confChange }
        if !changes.isEmpty {
            try checkConfChange(changes)
        }
        appendEntries(entries)
        broadcastAppend()
    }

    private func checkConfChange(_ changes: [Entry]) throws(RaftError) {
        guard changes.count == 1, let change = ConfChange(encoded: changes[0].data) else {
            throw RaftError(.invalidConfigChange, "propose one well-formed membership change at a time")
        }
        guard log.committed >= termStartIndex else {
            throw RaftError(.leaderNotReady, "the new leader has not committed an entry of its term yet; retry")
        }
        guard configs.currentIndex <= log.committed else {
            throw RaftError(.configChangePending, "the previous membership change is not committed yet; retry")
        }
        guard change.applied(to: conf) != nil else {
            throw RaftError(.invalidConfigChange, "\(change) does not apply to voters \(conf.voters.sorted()), learners \(conf.learners.sorted())")
        }
    }

    /// Applies membership changes found in newly appended `entries` to the progress tracker.
    mutating func recordConfigs(_ entries: [Entry]) {
        guard configs.record(entries) else { return }
        let conf = self.conf
        events.append(.configurationChanged(index: configs.currentIndex, conf))
        guard role == .leader else { return }
        for member in conf.members where progress[member] == nil {
            progress[member] = newProgress()
        }
        for member in progress.keys where !conf.members.contains(member) {
            progress[member] = nil
        }
        if leadTransferee != 0 && !conf.voters.contains(leadTransferee) { abortLeaderTransfer() }
    }

    /// §5.3, §5.4.2: the commit index is the highest index stored on a quorum of voters, and
    /// only an entry of the current term is committed by counting replicas.
    @discardableResult
    mutating func maybeCommit() -> Bool {
        var matches = conf.voters.map { progress[$0]?.match ?? 0 }
        matches.sort(by: >)
        let candidate = matches[quorum - 1]
        guard candidate > log.committed else { return false }
        let ownTerm = log.term(candidate) == term
        guard ownTerm || config.unsafeVariants.contains(.commitPreviousTermByCount) else { return false }
        log.commitTo(candidate)
        if log.committed >= termStartIndex { releaseReadsAwaitingCommit() }
        if !conf.voters.contains(id) && log.committed >= configs.currentIndex {
            // Thesis §4.2.2: a leader that removed itself steps down once the change is
            // committed, after telling the others the new commit index.
            broadcastAppend()
            events.append(.steppedDownRemoved(term: term))
            becomeFollower(term: term, lead: 0)
        }
        return true
    }

    mutating func handleAppendResponse(_ m: Message) {
        guard var pr = progress[m.from] else { return }
        pr.recentActive = true
        if config.unsafeVariants.contains(.broadcastOnEveryAppendResponse) {
            for member in progress.keys.sorted() where member != id && member != m.from {
                sendAppend(to: member)
            }
        }
        if m.reject && config.unsafeVariants.contains(.ignoreAppendRejections) {
            progress[m.from] = pr
            return
        }
        if m.reject {
            if pr.maybeDecrease(rejected: m.index, hint: m.rejectHint) {
                if pr.state == .replicate { pr.becomeProbe() }
                progress[m.from] = pr
                sendAppend(to: m.from)
            } else {
                progress[m.from] = pr
            }
            return
        }
        let wasPaused = pr.isPaused
        guard pr.maybeUpdate(m.index) else {
            progress[m.from] = pr
            return
        }
        switch pr.state {
        case .probe:
            pr.becomeReplicate()
        case .snapshot where pr.match >= pr.pendingSnapshot:
            pr.becomeProbe()
            pr.becomeReplicate()
        case .replicate:
            pr.inflights.freeLE(m.index)
        default:
            break
        }
        progress[m.from] = pr
        if maybeCommit() {
            guard role == .leader else { return }
            broadcastAppend()
        } else if wasPaused {
            sendAppend(to: m.from)
        }
        // Pipelining: keep sending while the in-flight window allows.
        while sendAppend(to: m.from, sendIfEmpty: false) {}
        if m.from == leadTransferee && progress[m.from]?.match == log.lastIndex {
            sendTimeoutNow(to: m.from)
        }
    }

    mutating func handleHeartbeatResponse(_ m: Message) {
        guard progress[m.from] != nil else { return }
        progress[m.from]?.recentActive = true
        progress[m.from]?.probeSent = false
        if progress[m.from]?.state == .replicate, progress[m.from]?.inflights.isFull == true {
            progress[m.from]?.inflights.freeFirstOne()
        }
        if let match = progress[m.from]?.match, match < log.lastIndex {
            sendAppend(to: m.from)
        }
        guard !m.context.isEmpty else { return }
        for request in readOnly.acknowledge(context: m.context, from: m.from, voters: conf.voters) {
            releaseRead(request.context, index: request.index, to: request.from)
        }
    }

    /// Check-quorum (thesis §6.2): true when a quorum of voters was heard from in the last
    /// election timeout. Resets the activity flags for the next round.
    mutating func checkQuorumActive() -> Bool {
        var active = 0
        for voter in conf.voters {
            if voter == id || progress[voter]?.recentActive == true { active += 1 }
        }
        for member in progress.keys where member != id {
            progress[member]?.recentActive = false
        }
        return active >= quorum
    }
}

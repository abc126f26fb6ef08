public import KibanRaft

/// Membership: single-server changes through Raft (thesis §4.1). A new member starts with an
/// empty directory (no bootstrap) and is added as a learner; it receives the log or a snapshot,
/// and is promoted to voter once it has caught up.
extension Store {
    /// Adds `id` as a learner (it replicates but does not vote).
    public func addLearner(_ id: NodeID) async throws(StoreError) {
        // A member: the leader may promote a learner that caught up as soon as the addition is
        // applied, before this call sees the configuration.
        try await changeMembership(.addLearner(id)) { $0.members.contains(id) }
    }

    /// Makes the learner `id` a voter. Promote only a member that has caught up, or the group
    /// may be unable to commit until it does.
    public func promote(_ id: NodeID) async throws(StoreError) {
        try await changeMembership(.promote(id)) { $0.voters.contains(id) }
    }

    /// Removes member `id`, voter or learner.
    public func removeMember(_ id: NodeID) async throws(StoreError) {
        try await changeMembership(.remove(id)) { !$0.members.contains(id) }
    }

    /// Proposes `change` on this member, which must lead, and waits until it is applied here.
    /// - Throws: ``StoreError`` `badRequest` (not the leader, or the change does not apply,
    ///   or a previous one is pending: the message says which), `unavailable`.
    private func changeMembership(_ change: ConfChange, done: (ConfState) -> Bool) async throws(StoreError) {
        var attempt = 0
        while true {
            try checkRunning()
            attempt += 1
            do {
                try node.proposeConfChange(change)
                break
            } catch let error where Self.isTransient(error) && attempt < options.requestTimeoutTicks {
                // A new leader's first commit, or the previous change, is a few ticks away.
                try await waitTicks(1)
            } catch {
                throw StoreError(.badRequest, "cannot \(change): \(error.message) (leader is \(node.leader))")
            }
        }
        let index = node.lastIndex
        scheduleReady()
        try await waitApplied(index)
        guard done(node.confState) else {
            throw StoreError(.unavailable, "\(change) was lost in a leader change; check the members and retry")
        }
    }

    /// Hands leadership to the voter `id` (leader only) and waits, for at most the request
    /// timeout, until this member is no longer the leader.
    /// - Throws: ``StoreError`` `badRequest` (not the leader, or `id` is not a voter), `unavailable`.
    public func transferLeadership(to id: NodeID) async throws(StoreError) {
        try checkRunning()
        do { try node.transferLeadership(to: id) } catch {
            throw StoreError(.badRequest, "cannot transfer leadership to \(id): \(error.message)")
        }
        scheduleReady()
        for _ in 0..<options.requestTimeoutTicks where node.leader != id || node.role == .leader {
            try await waitTicks(1)
        }
        guard node.leader == id else {
            throw StoreError(.unavailable, "member \(id) did not take over leadership in time; retry")
        }
    }

    /// Tells the leader how sending a snapshot to `id` ended; on failure it sends a new one
    /// after its next probe (for transports whose ``Transport/reportsSnapshotOutcome`` is true).
    public func reportSnapshot(to id: NodeID, succeeded: Bool) {
        guard !stopped else { return }
        node.reportSnapshot(id, succeeded: succeeded)
        scheduleReady()
    }

    /// Leader only: each member's match index (see ``KibanRaft/RawNode/matchIndexes``).
    public var matchIndexes: [NodeID: UInt64] { node.matchIndexes }

    /// The last index in this member's log.
    public var lastIndex: UInt64 { node.lastIndex }

    /// The members this one heard from (any Raft message) within the last election timeout.
    /// On the leader: those that answer it, which a learner must before it is promoted.
    public var recentlyHeard: Set<NodeID> {
        let window = UInt64(options.electionTimeoutTicks)
        return Set(lastHeard.filter { ticks - $0.value <= window }.keys)
    }

    private static func isTransient(_ error: RaftError) -> Bool {
        [.leaderNotReady, .configChangePending, .transferring].contains(error.code)
    }

    /// Waits until this member applied `index`, for at most the request timeout.
    func waitApplied(_ index: UInt64) async throws(StoreError) {
        let id = UInt64.random(in: 1...UInt64.max)
        let deadline = ticks + UInt64(options.requestTimeoutTicks * options.requestAttemptsMax)
        do {
            try await withCheckedThrowingContinuation { c in
                reads.add(id, c, deadline: deadline)
                readsAwaitingApply[id] = index
                releaseAppliedReads()
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "\(error)")
        }
    }
}

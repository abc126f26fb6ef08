import KibanRaft

/// Leases: granted, kept alive and revoked through the log; expiry decided by the leader's
/// clock (its ticks) and replicated as a revoke entry, as etcd's lessor does.
extension Store {
    /// Grants a lease of `ttlSeconds`; keys put with its id vanish when it expires.
    public func grantLease(ttlSeconds: Int64) async throws(StoreError) -> Int64 {
        switch try await propose(.leaseGrant(id: 0, ttlSeconds: ttlSeconds)) {
        case .leaseGranted(let id, _): return id
        case .failed(let error): throw error
        default: preconditionFailure("a lease grant produced another kind of result")
        }
    }

    /// Restarts the lease's TTL; returns the TTL in seconds.
    /// - Throws: ``StoreError`` `leaseNotFound` when it already expired or was revoked.
    @discardableResult
    public func keepAlive(lease id: Int64) async throws(StoreError) -> Int64 {
        switch try await propose(.leaseKeepAlive(id: id)) {
        case .leaseGranted(_, let ttl): return ttl
        case .failed(let error): throw error
        default: preconditionFailure("a keep-alive produced another kind of result")
        }
    }

    /// Revokes the lease now, deleting its keys.
    public func revokeLease(_ id: Int64) async throws(StoreError) {
        if case .failed(let error) = try await propose(.leaseRevoke(id: id, expired: false)) { throw error }
    }

    func ttlTicks(_ seconds: Int64) -> UInt64 {
        UInt64((Duration.seconds(seconds) / options.tickInterval).rounded(.up))
    }

    /// Every member tracks deadlines as it applies lease entries; only the leader acts on them.
    func noteLeaseEffects(of applied: StateMachine.Applied) {
        switch applied.result {
        case .leaseGranted(let id, let ttl):
            leaseDeadlines[id] = ticks + ttlTicks(ttl)
        case .leaseRevoked:
            resetLeaseClocks()
        default:
            break
        }
    }

    /// Restarts every lease's clock from state.db (a new leader extends all leases by their
    /// full TTL, as etcd's `Promote` does: it cannot know how long the old leader waited).
    func resetLeaseClocks() {
        let leases = (try? machine.leases()) ?? [:]
        let old = leaseDeadlines
        leaseDeadlines = [:]
        for (id, ttl) in leases { leaseDeadlines[id] = old[id] ?? (ticks + ttlTicks(ttl)) }
        leasesBeingRevoked.formIntersection(leases.keys)
    }

    func roleChanged(to role: Role) {
        guard role == .leader else { return }
        leaseDeadlines = [:]
        leasesBeingRevoked = []
        resetLeaseClocks()
    }

    func expireLeases() {
        guard node.role == .leader else { return }
        for (id, deadline) in leaseDeadlines where deadline <= ticks && !leasesBeingRevoked.contains(id) {
            leasesBeingRevoked.insert(id)
            Task {
                // On failure (lost leadership, timeout) the next leader, or the next tick, retries.
                if (try? await self.propose(.leaseRevoke(id: id, expired: true))) == nil {
                    self.leasesBeingRevoked.remove(id)
                }
            }
        }
    }
}

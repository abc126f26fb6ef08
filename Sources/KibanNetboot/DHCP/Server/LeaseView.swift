/// One server's view of the shared leases: the ``LeaseTable`` the responder decides from, the
/// store revision each address's lease was read at (the compare of the next compare-and-swap),
/// and the addresses whose change this server is committing right now.
///
/// A change is applied to the table as soon as it is decided (optimistically), so that a burst of
/// DISCOVERs picks different addresses instead of racing for the lowest free one; it is undone if
/// the store refuses it. The store stays the only judge of who holds an address: this view only
/// decides what to ask it.
struct LeaseView: Sendable {
    private(set) var table = LeaseTable()
    /// Mod revision of each address's key as last read from the store; absent means "no key",
    /// which a compare-and-swap matches as mod revision 0.
    private var revisions: [UInt32: Int64] = [:]
    /// The newest store revision known for each address — of a put, or of the delete that
    /// removed its key — so that an older event never overwrites a newer one.
    private var seen: [UInt32: Int64] = [:]
    /// Addresses with a commit in flight, and what to restore if it fails.
    private var pending: [UInt32: Pending] = [:]

    /// A commit in flight: what the table held before it, the revision it compares, and the
    /// replies to the same client that wait for its outcome.
    private struct Pending {
        var previous: DHCPLease?
        var revision: Int64
        /// ``LeaseView/seen`` when the commit started: a store event since then means the
        /// table already holds something newer than `previous`.
        var seen: Int64
        var removes: Bool
        var waiters: [@Sendable (Bool) -> Void] = []
    }

    /// Replies that may wait for one address's commit; further requests are dropped.
    static let waitersPerAddressMax = 8

    /// Number of addresses with a commit in flight.
    var pendingCount: Int { pending.count }

    /// True while a commit of `address` is in flight.
    func isPending(_ address: UInt32) -> Bool { pending[address] != nil }

    /// Applies a lease read from the store (listing or watch) unless the view already has a
    /// newer revision of that address.
    mutating func apply(address: UInt32, lease: DHCPLease?, revision: Int64) {
        guard revision > seen[address, default: 0] else { return }
        seen[address] = revision
        if let lease {
            revisions[address] = revision
            table.upsert(lease)
        } else {
            revisions[address] = nil
            table.remove(address)
        }
    }

    /// Makes the view agree with a listing of every lease key taken at `revision`: an address
    /// the listing lacks loses its lease, unless a newer event or a commit in flight is about
    /// it. Deletes missed while the watch was down are caught up this way.
    mutating func forgetAbsent(_ listed: Set<UInt32>, listedAt revision: Int64) {
        let absent = Set(table.all.map(\.address)).union(revisions.keys).subtracting(listed)
        for address in absent where pending[address] == nil {
            apply(address: address, lease: nil, revision: revision)
        }
    }

    /// Starts committing `change`: returns the revision to compare against, or nil when another
    /// commit of this address is in flight (the request is dropped; the client retries).
    mutating func reserve(_ change: LeaseChange) -> Int64? {
        let address = change.address
        guard pending[address] == nil else { return nil }
        let revision = revisions[address, default: 0]
        let removes: Bool
        switch change {
        case .put: removes = false
        case .remove: removes = true
        }
        pending[address] = Pending(
            previous: table.lease(at: address), revision: revision,
            seen: seen[address, default: 0], removes: removes)
        switch change {
        case .put(let lease, _): table.upsert(lease)
        case .remove: table.remove(address)
        }
        return revision
    }

    /// Records an offer in the table without a store write; false while a commit of the
    /// address is in flight.
    mutating func holdLocally(_ lease: DHCPLease) -> Bool {
        guard pending[lease.address] == nil else { return false }
        table.upsert(lease)
        return true
    }

    /// Queues `waiter` to learn whether the commit of `address` in flight wins; false when no
    /// commit of it is in flight or ``waitersPerAddressMax`` already wait.
    mutating func wait(for address: UInt32, _ waiter: @escaping @Sendable (Bool) -> Void) -> Bool {
        guard var p = pending[address], p.waiters.count < Self.waitersPerAddressMax else { return false }
        p.waiters.append(waiter)
        pending[address] = p
        return true
    }

    /// Ends a commit: on success records the new revision; on failure restores what the table
    /// held, unless a newer store event already replaced it. Returns the waiters to tell (after
    /// the caller lets go of the view).
    @discardableResult
    mutating func settle(_ address: UInt32, committedAt revision: Int64?) -> [@Sendable (Bool) -> Void] {
        guard let p = pending.removeValue(forKey: address) else { return [] }
        if let revision {
            if revision > seen[address, default: 0] {
                seen[address] = revision
                revisions[address] = p.removes ? nil : revision
            }
            return p.waiters
        }
        guard seen[address, default: 0] == p.seen else { return p.waiters }
        if let previous = p.previous { table.upsert(previous) } else { table.remove(address) }
        return p.waiters
    }
}

extension LeaseView {
    /// The leases a reclamation sweep deletes at `now`, with the revision to compare on: an
    /// offer once its hold ends, a declined address once its quarantine ends, a bound lease
    /// `retentionSeconds` after it expired (until then its client gets it back, and allocation
    /// takes it only when no never-leased address is left). Addresses with a commit in flight,
    /// or not yet read from the store, are left alone.
    func reclaimable(now: UInt64, retentionSeconds: UInt64) -> [(address: UInt32, revision: Int64)] {
        table.all.compactMap { l in
            let keep = l.state == .bound ? retentionSeconds : 0
            let (end, overflow) = l.expiresAt.addingReportingOverflow(keep)
            guard !overflow, end <= now, pending[l.address] == nil,
                let revision = revisions[l.address], revision > 0
            else { return nil }
            return (l.address, revision)
        }
    }
}

extension LeaseChange {
    /// The address the change is about.
    public var address: UInt32 {
        switch self {
        case .put(let lease, _): lease.address
        case .remove(let lease): lease.address
        }
    }
}

import KibanStore
import Logging

extension DHCPServer {
    /// Deletes the leases that are over (``LeaseView/reclaimable(now:retentionSeconds:)``) from
    /// the store, each only if it is unchanged since this server read it, so a lease renewed or
    /// re-taken meanwhile is never lost. Run by one member (the daemon runs it on the Raft
    /// leader); any member may, since every delete is a compare-and-swap. Returns how many were
    /// deleted.
    ///
    /// Deletes go in transactions of up to `batchMax` leases; a transaction whose compares fail
    /// (one lease changed) is retried lease by lease.
    @discardableResult
    public func reclaimExpired(now: UInt64, retentionSeconds: UInt64, batchMax: Int = 256) async -> Int {
        let due = view.withLock { $0.reclaimable(now: now, retentionSeconds: retentionSeconds) }
        var deleted = 0
        var start = 0
        while start < due.count {
            let batch = due[start..<min(start + max(1, batchMax), due.count)]
            start += batch.count
            if await delete(Array(batch)) {
                deleted += batch.count
            } else if batch.count > 1 {
                for one in batch {
                    if await delete([one]) { deleted += 1 }
                }
            }
        }
        if deleted > 0 {
            count { $0.reclaimed += deleted }
            logger.info("reclaimed expired DHCP leases", metadata: ["kiban.dhcp.reclaimed": "\(deleted)"])
        }
        return deleted
    }

    private func delete(_ leases: [(address: UInt32, revision: Int64)]) async -> Bool {
        let txn = Txn(
            compares: leases.map { Compare(LeaseRecord.key($0.address), .equal, .modRevision($0.revision)) },
            success: leases.map { .delete(.key(LeaseRecord.key($0.address))) })
        do {
            return try await store.txn(txn).succeeded
        } catch {
            logger.debug("lease reclamation deferred", metadata: ["kiban.dhcp.error": "\(error)"])
            return false
        }
    }
}

public import Foundation
import KibanStore

/// The audit log: one record per change, written in the change's own transaction.
extension InventoryService {
    /// The put that records a change. The record's revision is not known before the
    /// transaction commits, so it is stored as 0 and read back from the key's mod revision,
    /// which is the revision of the change itself.
    func auditPut(readRevision: Int64, category: String, instance: String, action: String, detail: String,
                  user: String, now: Date) throws(InventoryError) -> KibanStore.Operation {
        let record = AuditRecord(ts: now, rev: 0, user: user, category: category, instance: instance,
                                 action: action, detail: detail)
        let key = InventoryKeys.audit(day: InventoryKeys.day(now), readRevision: readRevision,
                                      category: category, instance: instance, action: action)
        return .put(key: key, value: try InventoryCodec.encode(record), lease: 0)
    }

    /// Audit records with `since <= ts < until` (sabakan's `until` is exclusive too), in
    /// revision order.
    public func auditLog(since: Date, until: Date) async throws -> [AuditRecord] {
        let start = InventoryKeys.key(InventoryKeys.audit + InventoryKeys.day(since))
        // The day after `until`'s day: records of `until`'s own day are filtered by time below.
        let end = InventoryKeys.key(InventoryKeys.audit + InventoryKeys.day(until) + "~")
        let read = try await store.range(KeyRange(start: start, end: end))
        var records: [AuditRecord] = []
        for kv in read.kvs {
            var r = try InventoryCodec.decode(AuditRecord.self, kv.value, what: "an audit record")
            r.rev = kv.modRevision
            if r.ts >= since && r.ts < until { records.append(r) }
        }
        return records.sorted { ($0.rev, $0.instance) < ($1.rev, $1.instance) }
    }

    /// Deletes the audit records older than `retention` (default ``auditRetention``) before
    /// `now`: whole days before the cutoff's day with one range delete, then the cutoff day's
    /// older records one by one. Returns how many were deleted. The deletes go through the
    /// log like any write, so every member ends with the same records; run it on one member
    /// (the daemon's leader) periodically.
    @discardableResult
    public func pruneAuditLog(now: Date, retention: TimeInterval? = nil) async throws -> Int {
        let cutoff = now.addingTimeInterval(-(retention ?? auditRetention))
        let cutoffDay = InventoryKeys.audit + InventoryKeys.day(cutoff)
        var deleted = try await store.delete(KeyRange(start: InventoryKeys.key(InventoryKeys.audit),
                                                      end: InventoryKeys.key(cutoffDay))).count
        let sameDay = try await store.range(.prefix(InventoryKeys.key(cutoffDay + "/")))
        var old: [[UInt8]] = []
        for kv in sameDay.kvs {
            let r = try InventoryCodec.decode(AuditRecord.self, kv.value, what: "an audit record")
            if r.ts < cutoff { old.append(kv.key) }
        }
        for start in stride(from: 0, to: old.count, by: Self.pruneDeletesMax) {
            let batch = old[start..<min(start + Self.pruneDeletesMax, old.count)]
            _ = try await store.txn(Txn(compares: [], success: batch.map { .delete(.key($0)) }))
            deleted += batch.count
        }
        return deleted
    }

    /// Deletes per pruning transaction: a day of records may be large (an import of thousands).
    static let pruneDeletesMax = 2_000
}

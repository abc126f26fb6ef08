public import Foundation
import KibanStore

/// How long the audit log is kept: a cluster setting in the store, so that every member prunes
/// with the same value and an operator changes it once (`kiban logs set-retention`).
extension InventoryService {
    /// The retentions an operator may set: one second (for tests of pruning) to ten years.
    public static let auditRetentionSeconds: ClosedRange<TimeInterval> = 1...(3650 * 86_400)

    /// The retention in the store, or ``auditRetention`` (60 days unless the service was made
    /// with another default) when none was ever set. Linearizable.
    public func currentAuditRetention() async throws -> TimeInterval {
        guard let kv = try await store.get(InventoryKeys.auditRetention) else { return auditRetention }
        guard let seconds = TimeInterval(String(decoding: kv.value, as: UTF8.self)),
              Self.auditRetentionSeconds.contains(seconds) else {
            throw InventoryError(.unsupportedSchema, "the audit retention in the store is not a number of seconds; set it again with kiban logs set-retention")
        }
        return seconds
    }

    /// Sets the audit retention for the whole cluster, with an audit record; returns the store
    /// revision of the change.
    /// - Throws: ``InventoryError`` `invalidInput` when `seconds` is outside
    ///   ``auditRetentionSeconds``; `conflict` after losing every race.
    @discardableResult
    public func setAuditRetention(_ seconds: TimeInterval, user: String, now: Date) async throws -> Int64 {
        guard Self.auditRetentionSeconds.contains(seconds), seconds.rounded() == seconds else {
            throw InventoryError(.invalidInput, "an audit retention is a whole number of seconds from 1 s to 3650 days; \(seconds) is not")
        }
        let value = Array(String(Int64(seconds)).utf8)
        for _ in 0..<attemptsMax {
            let read = try await store.range(.key(InventoryKeys.auditRetention))
            let audit = try auditPut(readRevision: read.revision, category: "audit", instance: "retention",
                                     action: "set-retention", detail: "\(Int64(seconds)) s", user: user, now: now)
            let result = try await store.txn(Txn(
                compares: [Compare(InventoryKeys.auditRetention, .equal, .modRevision(read.kvs.first?.modRevision ?? 0))],
                success: [.put(key: InventoryKeys.auditRetention, value: value, lease: 0), audit]))
            if result.succeeded { return result.revision }
        }
        throw lostRaces("setting the audit retention")
    }
}

public import Foundation
import KibanStore

/// The inventory's part of the cluster's one audit log (``AuditLog``): each change writes an
/// entry in its own transaction, with the action `inventory.<category>.<action>`.
extension InventoryService {
    /// The prefix of every inventory action in the audit log.
    public static let auditActionPrefix = "inventory"

    /// The put that records a change.
    func auditPut(
        category: String, instance: String, action: String, detail: String,
        user: String, now: Date
    ) throws(InventoryError) -> KibanStore.Operation {
        let entry = AuditEntry(
            time: now, actor: user, member: auditMember,
            action: "\(Self.auditActionPrefix).\(category).\(action)", subject: instance, detail: detail)
        do { return try AuditLog.put(entry) } catch { throw InventoryError(.invalidInput, "cannot encode an audit entry: \(error)") }
    }

    /// The inventory's audit records with `since <= ts < until` in sabakan's format (`kiban
    /// logs`, `GET /v1/logs`), in revision order: a view of the inventory's entries in the
    /// audit log.
    public func auditLog(since: Date, until: Date) async throws -> [AuditRecord] {
        var query = AuditQuery(since: since, until: until, action: Self.auditActionPrefix)
        var records: [AuditRecord] = []
        for _ in 0..<Self.auditPagesMax {
            let page = try await store.auditLog(query)
            records += page.entries.compactMap(AuditRecord.init(entry:))
            guard let next = page.next else { break }
            query.after = next
        }
        // In the order of the changes: entries of one time are in random key order.
        return records.sorted { ($0.rev, $0.instance) < ($1.rev, $1.instance) }
    }

    /// The most pages ``auditLog(since:until:)`` reads: a million records.
    static let auditPagesMax = 1_000

    /// Moves the inventory's audit records of the format before the one log (under
    /// `inventory/audit/`), and its retention setting, into the audit log. Returns how many
    /// records moved.
    @discardableResult
    public func migrateAuditLog() async throws -> Int {
        try await store.migrateAuditRetention(from: InventoryKeys.auditRetention)
        return try await store.migrateAudit(from: InventoryKeys.key(InventoryKeys.audit)) { kv in
            guard let r = try? InventoryCodec.decode(AuditRecord.self, kv.value, what: "an audit record") else {
                return AuditEntry(
                    time: Date(timeIntervalSince1970: 0), actor: "", member: "",
                    action: "\(Self.auditActionPrefix).unreadable", subject: String(decoding: kv.key, as: UTF8.self),
                    detail: String(decoding: kv.value.prefix(4096), as: UTF8.self))
            }
            return AuditEntry(
                time: r.ts, actor: r.user, member: "", action: "\(Self.auditActionPrefix).\(r.category).\(r.action)",
                subject: r.instance, detail: r.detail)
        }
    }
}

extension AuditRecord {
    /// The record of an inventory entry of the audit log; nil for another subsystem's.
    init?(entry: AuditEntry) {
        let parts = entry.action.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == InventoryService.auditActionPrefix else { return nil }
        self.init(
            ts: entry.time, rev: entry.revision ?? 0, user: entry.actor, category: parts[1],
            instance: entry.subject, action: parts[2], detail: entry.detail)
    }
}

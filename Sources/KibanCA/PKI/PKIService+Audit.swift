public import Foundation
public import KibanStore

/// One PKI change: who did what to which issuer, role or certificate (`kiban ca audit`): a view
/// of the PKI's entries in the cluster's audit log (``AuditEntry``). Also the stored format of
/// PKI audit records before the one log, read to move them into it.
public struct PKIAuditRecord: Codable, Sendable, Hashable {
    /// When (the service's clock).
    public var time: Date
    /// ``Requester/description``.
    public var actor: String
    /// `issuer-create`, `issuer-rotate`, `role-set`, `role-delete`, `issue`, `sign`, `revoke`.
    public var action: String
    /// The issuer, role or serial acted on.
    public var subject: String
    /// What changed, in a few words.
    public var detail: String
}

extension PKIService {
    /// The prefix of every PKI action in the audit log: `pki.issue`, `pki.revoke`.
    public static let auditActionPrefix = "pki"

    /// The put that records a change, written in the change's own transaction.
    func auditPut(_ action: String, _ subject: String, detail: String, by actor: Requester, at time: Date) throws(CAError) -> KibanStore.Operation {
        let entry = AuditEntry(
            time: time, actor: actor.description, member: auditMember,
            action: "\(Self.auditActionPrefix).\(action)", subject: subject, detail: detail)
        do { return try AuditLog.put(entry) } catch { throw CAError(.internal, "cannot encode an audit entry: \(error)") }
    }

    /// Every PKI audit record, oldest first (at most ``auditPagesMax`` pages of the log).
    public func auditLog() async throws -> [PKIAuditRecord] {
        var query = AuditQuery(action: Self.auditActionPrefix)
        var records: [PKIAuditRecord] = []
        for _ in 0..<Self.auditPagesMax {
            let page = try await store.auditLog(query)
            records += page.entries.map {
                PKIAuditRecord(
                    time: $0.time, actor: $0.actor, action: String($0.action.dropFirst(Self.auditActionPrefix.count + 1)),
                    subject: $0.subject, detail: $0.detail)
            }
            guard let next = page.next else { break }
            query.after = next
        }
        return records
    }

    /// The most pages ``auditLog()`` reads: a million records.
    static let auditPagesMax = 1_000

    /// Moves the PKI audit records of the format before the one log (under `/kiban/pki/audit/`)
    /// into the audit log; returns how many moved.
    @discardableResult
    public static func migrateAuditLog(in store: Store) async throws -> Int {
        try await store.migrateAudit(from: PKIKeys.key(PKIKeys.audit)) { kv in
            guard let r = try? PKICodec.decoder().decode(PKIAuditRecord.self, from: Data(kv.value)) else {
                return AuditEntry(
                    time: Date(timeIntervalSince1970: 0), actor: "", member: "",
                    action: "\(Self.auditActionPrefix).unreadable", subject: String(decoding: kv.key, as: UTF8.self),
                    detail: String(decoding: kv.value.prefix(4096), as: UTF8.self))
            }
            return AuditEntry(
                time: r.time, actor: r.actor, member: "", action: "\(Self.auditActionPrefix).\(r.action)",
                subject: r.subject, detail: r.detail)
        }
    }
}

public import Foundation
import KibanStore

/// One PKI change: who did what to which issuer, role or certificate.
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
    /// The put that records a change, written in the change's own transaction.
    func auditPut(_ action: String, _ subject: String, detail: String, by actor: Requester, at time: Date) throws(CAError) -> KibanStore.Operation {
        let record = PKIAuditRecord(time: time, actor: actor.description, action: action, subject: subject, detail: detail)
        let ms = String(UInt64(max(0, time.timeIntervalSince1970 * 1000)), radix: 16)
        let key = "\(PKIKeys.audit)\(Self.day(time))/\(String(repeating: "0", count: max(0, 16 - ms.count)))\(ms)/\(action)/\(subject)"
        return .put(key: PKIKeys.key(key), value: try encode(record), lease: 0)
    }

    /// Every PKI audit record, oldest first.
    public func auditLog() async throws -> [PKIAuditRecord] {
        let read = try await store.range(.prefix(PKIKeys.key(PKIKeys.audit)))
        var records: [PKIAuditRecord] = []
        for kv in read.kvs { records.append(try decode(PKIAuditRecord.self, kv.value, what: "a PKI audit record")) }
        return records
    }

    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d%02d%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }
}

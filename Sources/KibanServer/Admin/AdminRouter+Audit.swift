import Foundation
import KibanStore

/// The audit log's admin endpoints (docs/admin-api.md, "Audit log"): `GET /v1/audit` pages
/// through the one log; `GET|PUT /v1/audit/retention` reads and sets its one retention.
extension AdminRouter {
    func audit(_ r: AdminRequest, _ argument: String?) async throws -> [UInt8] {
        switch (r.method, argument) {
        case (.GET, nil): return Self.encode(try await daemon.auditLog(try Self.auditQuery(r.query)))
        case (.GET, "retention"): return Self.encode(try await daemon.auditRetention())
        case (.PUT, "retention"):
            return Self.encode(try await daemon.setAuditRetention(try r.decode(AuditRetention.self), caller: r.caller))
        default: throw ServerError(.badRequest, "/v1/audit takes GET; /v1/audit/retention takes GET or PUT")
        }
    }

    /// `since`, `until` (a day `YYYYMMDD` or an RFC 3339 time), `action`, `subject`, `after`
    /// (the `next` of the previous page) and `limit`.
    static func auditQuery(_ query: [String: String]) throws(ServerError) -> AuditQuery {
        var limit = AuditLog.pageEntriesMax
        if let text = query["limit"] {
            guard let n = Int(text), n > 0 else { throw ServerError(.badRequest, "limit=\(text) is not a positive number") }
            limit = n
        }
        let empty = { (name: String) in query[name].flatMap { $0.isEmpty ? nil : $0 } }
        return AuditQuery(
            since: try Daemon.time(query["since"], "since"), until: try Daemon.time(query["until"], "until"),
            action: empty("action"), subject: empty("subject"), after: empty("after"), limit: limit)
    }
}

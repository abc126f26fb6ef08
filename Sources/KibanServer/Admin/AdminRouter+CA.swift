import Foundation
import KibanCA
import NIOHTTP1

/// `POST /v1/ca/issuers`.
struct IssuerCreateBody: Codable, Sendable {
    var name: String
    var parent: String?
    var ttlSeconds: Double?
    var keyType: KeyType?
}

/// `POST /v1/ca/sign/<role>`: a CSR and optional overrides of its names and the lifetime.
struct SignBody: Codable, Sendable {
    var csr: String
    var commonName: String?
    var sans: [String]?
    var ttlSeconds: Double?
}

/// `GET /v1/ca/issuers/<name>/crl`: the DER CRL, base64.
struct CRLAnswer: Codable, Sendable {
    var issuer: String
    var der: Data
}

/// The PKI's admin endpoints (docs/admin-api.md, "PKI"). Answers are JSON with RFC 3339 times.
extension AdminRouter {
    /// The answer to a `/v1/ca/...` request, or nil when `r` is not one.
    func ca(_ r: AdminRequest) async throws -> [UInt8]? {
        let s = r.segments
        guard s.count >= 2, s[0] == "v1", s[1] == "ca" else { return nil }
        let rest = Array(s.dropFirst(2))
        switch (r.method, rest.first, rest.count) {
        case (_, "issuers", _): return try await issuers(r, Array(rest.dropFirst()))
        case (_, "roles", _): return try await roles(r, Array(rest.dropFirst()))
        case (.POST, "issue", 2):
            let request = try r.decode(IssueRequest.self)
            return try Self.wire(
                await daemon.pki(r.caller, "issue \(rest[1]) \(request.commonName)") { pki, who in
                    try await pki.issue(role: rest[1], request: request, requester: who)
                })
        case (.POST, "sign", 2):
            let body = try r.decode(SignBody.self)
            let request = IssueRequest(commonName: body.commonName ?? "", sans: body.sans ?? [], ttlSeconds: body.ttlSeconds)
            return try Self.wire(
                await daemon.pki(r.caller, "sign \(rest[1])") { pki, who in
                    try await pki.sign(role: rest[1], csrPEM: body.csr, request: request, requester: who)
                })
        case (.GET, "certs", 1):
            let expiring = try r.query["expiring"].map { text throws(ServerError) -> Double in
                guard let seconds = Double(text), seconds > 0 else { throw ServerError(.badRequest, "expiring=\(text) is not a number of seconds") }
                return seconds
            }
            let issuer = r.query["issuer"]
            return try Self.wire(await daemon.pki(r.caller) { pki, _ in try await pki.certificates(issuer: issuer, expiringWithin: expiring) })
        case (.GET, "certs", 2):
            return try Self.wire(await daemon.pki(r.caller) { pki, _ in try await pki.certificate(serial: rest[1]) })
        case (.POST, "certs", 3) where rest[2] == "revoke":
            let text = try r.decode([String: String].self)["reason"] ?? "unspecified"
            guard let reason = RevocationReason(rawValue: text) else {
                throw ServerError(
                    .badRequest, "\(text) is not a revocation reason; use one of \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try Self.wire(await daemon.pki(r.caller, "revoke \(rest[1])") { pki, who in try await pki.revoke(serial: rest[1], reason: reason, by: who) })
        case (.GET, "audit", 1):
            return try Self.wire(await daemon.pki(r.caller) { pki, _ in try await pki.auditLog() })
        default:
            throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }

    private func issuers(_ r: AdminRequest, _ rest: [String]) async throws -> [UInt8] {
        switch (r.method, rest.count, rest.last) {
        case (.GET, 0, _): return try Self.wire(await daemon.pki(r.caller) { pki, _ in try await pki.issuers() })
        case (.POST, 0, _):
            let body = try r.decode(IssuerCreateBody.self)
            return try Self.wire(
                await daemon.pki(r.caller, "issuers create \(body.name)") { pki, who in
                    try await pki.createIssuer(body.name, parent: body.parent, ttlSeconds: body.ttlSeconds, keyType: body.keyType ?? .p256, by: who)
                })
        case (.GET, 1, _): return try Self.wire(await daemon.pki(r.caller) { pki, _ in try await pki.issuer(rest[0]) })
        case (.POST, 2, "rotate"):
            return try Self.wire(await daemon.pki(r.caller, "issuers rotate \(rest[0])") { pki, who in try await pki.rotateIssuer(rest[0], by: who) })
        case (.GET, 2, "crl"):
            let generation = r.query["generation"].flatMap { Int($0) }
            let der = try await daemon.pki(r.caller) { pki, _ in try await pki.crl(issuer: rest[0], generation: generation) }
            return try Self.wire(CRLAnswer(issuer: rest[0], der: Data(der)))
        default: throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }

    private func roles(_ r: AdminRequest, _ rest: [String]) async throws -> [UInt8] {
        switch (r.method, rest.count) {
        case (.GET, 0): return try Self.wire(await daemon.pki(r.caller) { pki, _ in try await pki.roles().mapValues(\.document) })
        case (.GET, 1): return try Self.wire(await daemon.pki(r.caller) { pki, _ in try await pki.role(rest[0]).document })
        case (.PUT, 1):
            let document = Array(r.body)
            return try Self.wire(
                await daemon.pki(r.caller, "roles set \(rest[0])") { pki, who in
                    try await pki.setRole(rest[0], document: document, by: who).document
                })
        case (.DELETE, 1):
            try await daemon.pki(r.caller, "roles delete \(rest[0])") { pki, who in try await pki.deleteRole(rest[0], by: who) }
            return Self.encode(["deleted": rest[0]])
        default: throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }

    /// JSON as the PKI writes it (RFC 3339 times, sorted keys).
    static func wire(_ value: some Encodable) throws(ServerError) -> [UInt8] {
        do { return Array(try PKICodec.encoder().encode(value)) } catch {
            throw ServerError(.internal, "cannot encode the answer: \(error)")
        }
    }
}

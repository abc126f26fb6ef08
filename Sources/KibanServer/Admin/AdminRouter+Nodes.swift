import Foundation
import KibanAdminAPI
import NIOHTTP1

/// The node subsystem's admin endpoints (docs/admin-api.md, "Nodes"): `GET /v1/nodes`, and
/// `POST|GET /v1/nodes/tokens`, `DELETE /v1/nodes/tokens/ID`, `GET|PUT /v1/nodes/checks/ROLE`,
/// `POST /v1/nodes/SERIAL/revoke`.
extension AdminRouter {
    /// The answer when `r` is a node endpoint; nil otherwise.
    func nodes(_ r: AdminRequest) async throws -> [UInt8]? {
        let s = r.segments
        guard s.count >= 2, s[0] == "v1", s[1] == "nodes" else { return nil }
        let rest = Array(s.dropFirst(2))
        switch (r.method, rest.first, rest.count) {
        case (.GET, nil, 0): return Self.encode(try await daemon.listNodes())
        case (.POST, "tokens", 1): return Self.encode(try await daemon.createNodeToken(try r.decode(NodeTokenBody.self), caller: r.caller))
        case (.GET, "tokens", 1): return Self.encode(try await daemon.listNodeTokens())
        case (.GET, "checks", 2): return Self.encode(try await daemon.nodeChecks(role: rest[1]))
        case (.PUT, "checks", 2): return Self.encode(try await daemon.setNodeChecks(role: rest[1], document: Array(r.body), caller: r.caller))
        case (.POST, let serial?, 2) where rest[1] == "revoke":
            let revoked = try await daemon.revokeNode(serial: serial, caller: r.caller)
            return Self.encode(["serial": serial, "revoked": revoked])
        case (.DELETE, "tokens", 2):
            try await daemon.revokeNodeToken(id: rest[1], caller: r.caller)
            return Self.encode(["revoked": rest[1]])
        default: throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }
}

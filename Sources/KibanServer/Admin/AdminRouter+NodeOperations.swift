import Foundation
import NIOHTTP1

/// The operation queue's admin endpoints (docs/admin-api.md, "Nodes"):
/// `POST|GET /v1/nodes/operations/SERIAL` and `GET /v1/nodes/operations/SERIAL/ID`.
extension AdminRouter {
    /// The answer when `r` is an operation endpoint; nil otherwise.
    func nodeOperations(_ r: AdminRequest) async throws -> [UInt8]? {
        let s = r.segments
        guard s.count >= 4, s.count <= 5, s[0] == "v1", s[1] == "nodes", s[2] == "operations" else { return nil }
        switch (r.method, s.count) {
        case (.POST, 4): return Self.encode(try await daemon.addOperations(serial: s[3], document: Array(r.body), caller: r.caller))
        case (.GET, 4): return Self.encode(try await daemon.operations(serial: s[3]))
        case (.GET, 5): return Self.encode(try await daemon.operation(serial: s[3], id: s[4]))
        default: throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }
}

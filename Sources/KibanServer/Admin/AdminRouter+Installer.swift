import Foundation
import NIOHTTP1

/// The installer's admin endpoints (docs/admin-api.md, "Kubernetes"): `GET|PUT /v1/k8s/spec`,
/// `GET /v1/k8s/plan`.
extension AdminRouter {
    /// The answer when `r` is an installer endpoint; nil otherwise.
    func installer(_ r: AdminRequest) async throws -> [UInt8]? {
        let s = r.segments
        guard s.count >= 2, s[0] == "v1", s[1] == "k8s" else { return nil }
        switch (r.method, s.dropFirst(2).joined(separator: "/")) {
        case (.GET, "spec"): return Self.encode(try await daemon.k8sSpec())
        case (.PUT, "spec"): return Self.encode(try await daemon.setK8sSpec(document: Array(r.body), caller: r.caller))
        case (.GET, "plan"): return Self.encode(try await daemon.k8sPlan())
        default: throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }
}

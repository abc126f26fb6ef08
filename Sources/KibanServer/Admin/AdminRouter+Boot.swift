import KibanAdminAPI
import NIOHTTP1

/// The netboot endpoints: `/v1/templates[/<role>]` and `/v1/kernel-params[/<role>]`.
extension AdminRouter {
    func templates(_ r: AdminRequest, role: String?) async throws -> [UInt8] {
        switch (r.method, role) {
        case (.GET, nil): return Self.encode(try await daemon.templates(role: r.query["role"]))
        case (.GET, let role?): return Self.encode(try await daemon.template(role: role, version: r.query["version"]))
        case (.PUT, let role?):
            return Self.encode(try await daemon.setTemplate(role: role, try r.decode(TemplateSetBody.self), caller: r.caller))
        case (.DELETE, let role?):
            guard let version = r.query["version"] else { throw ServerError(.badRequest, "DELETE /v1/templates/<role> needs ?version=") }
            return Self.encode(try await daemon.deleteTemplate(role: role, version: version, caller: r.caller))
        default: throw ServerError(.badRequest, "/v1/templates takes GET; /v1/templates/<role> takes GET, PUT or DELETE")
        }
    }

    func kernelParams(_ r: AdminRequest, role: String?) async throws -> [UInt8] {
        switch (r.method, role) {
        case (.GET, _): return Self.encode(try await daemon.kernelParams(role: role))
        case (.PUT, let role?):
            return Self.encode(try await daemon.setKernelParams(role: role, try r.decode(KernelParamsBody.self), caller: r.caller))
        default: throw ServerError(.badRequest, "/v1/kernel-params takes GET; /v1/kernel-params/<role> takes GET or PUT")
        }
    }
}

import KibanAdminAPI
import NIOHTTP1

/// `/v1/role-images[/<role>]` and `/v1/image-kernel-params[/<id>]`.
extension AdminRouter {
    func roleImages(_ r: AdminRequest) async throws -> [UInt8] {
        let s = r.segments
        let name = s.count == 3 ? s[2] : nil
        switch (r.method, s[1], name) {
        case (.GET, "role-images", nil): return Self.encode(try await daemon.roleImageList())
        case (.PUT, "role-images", let role?):
            return Self.encode(try await daemon.assignImage(role: role, try r.decode(RoleImageBody.self), caller: r.caller))
        case (.DELETE, "role-images", let role?): return Self.encode(try await daemon.unassignImage(role: role, caller: r.caller))
        case (.GET, "image-kernel-params", _): return Self.encode(try await daemon.imageKernelParams(image: name))
        case (.PUT, "image-kernel-params", let id?):
            return Self.encode(try await daemon.setImageKernelParams(image: id, try r.decode(KernelParamsBody.self), caller: r.caller))
        default:
            throw ServerError(
                .badRequest, "/v1/role-images takes GET, and PUT or DELETE with a role; /v1/image-kernel-params takes GET, and PUT with an image id")
        }
    }
}

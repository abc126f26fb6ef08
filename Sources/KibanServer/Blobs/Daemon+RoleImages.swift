import Foundation
import KibanAdminAPI
import KibanNetboot
import KibanStore

/// `PUT /v1/role-images/<role>`.
public struct RoleImageBody: Codable, Sendable {
    public var image: String

    public init(image: String) { self.image = image }
}

/// An assignment as the admin API shows it.
public struct RoleImageView: Codable, Sendable, Hashable {
    public var role: String
    public var image: String
    /// RFC 3339, UTC.
    public var assigned: String

    init(_ r: RoleImageRecord) {
        self.init(role: r.role, image: r.image, assigned: Timestamp.rfc3339(r.assigned))
    }

    init(role: String, image: String, assigned: String) {
        self.role = role
        self.image = image
        self.assigned = assigned
    }
}

/// `kiban images assign|unassign` and `kiban kernel-params set --image`: an adapter to
/// ``CatalogService``.
extension Daemon {
    /// `kiban images roles`: every assignment, by role.
    func roleImageList() async throws(ServerError) -> [RoleImageView] {
        let catalog = try catalogService()
        return try await netboot { try await catalog.roleImageRecords() }.map(RoleImageView.init)
    }

    /// `kiban images assign ROLE ID`: machines of `role` boot image `id` from now on.
    func assignImage(role: String, _ body: RoleImageBody, caller: Caller) async throws(ServerError) -> RoleImageView {
        let catalog = try catalogService()
        let author = author(caller)
        return RoleImageView(
            try await netboot(caller, "image.assign", role) {
                try await catalog.assign(role: role, image: body.image, author: author)
            })
    }

    /// `kiban images unassign ROLE`: the role boots the newest image again.
    func unassignImage(role: String, caller: Caller) async throws(ServerError) -> [String: String] {
        let catalog = try catalogService()
        let author = author(caller)
        let previous = try await netboot(caller, "image.unassign", role) { try await catalog.unassign(role: role, author: author) }
        return ["role": role, "unassigned": previous]
    }

    /// `kiban kernel-params set --image ID PARAMS`.
    func setImageKernelParams(image: String, _ body: KernelParamsBody, caller: Caller) async throws(ServerError) -> ImageKernelParamsRecord {
        let catalog = try catalogService()
        let author = author(caller)
        return try await netboot(caller, "kernel-params.set", "image \(image)") {
            try await catalog.setKernelParams(image: image, params: body.params, author: author)
        }
    }

    /// `kiban kernel-params get --image [ID]`.
    func imageKernelParams(image: String?) async throws(ServerError) -> [ImageKernelParamsRecord] {
        let catalog = try catalogService()
        return try await netboot { try await catalog.kernelParams(image: image) }
    }
}

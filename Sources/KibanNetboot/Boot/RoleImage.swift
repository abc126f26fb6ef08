public import Foundation

/// `netboot/role-images/<role>`: the image a role's machines boot (`kiban images assign ROLE ID`).
/// A role without one boots the newest image.
public struct RoleImageRecord: Codable, Sendable, Hashable {
    public var role: String
    /// The image id (``ImageRecord/id``).
    public var image: String
    /// When it was assigned.
    public var assigned: Date

    public init(role: String, image: String, assigned: Date) {
        self.role = role
        self.image = image
        self.assigned = assigned
    }
}

/// `netboot/image-kernel-params/<id>`: kernel parameters every machine booting the image gets,
/// before its role's (`kiban kernel-params set --image ID PARAMS`).
public struct ImageKernelParamsRecord: Codable, Sendable, Hashable {
    public var image: String
    public var params: String

    public init(image: String, params: String) {
        self.image = image
        self.params = params
    }
}

extension NetbootKeys {
    /// `netboot/role-images/<role>` → ``RoleImageRecord`` JSON.
    public static let roleImagesPrefix = "netboot/role-images/"
    /// `netboot/image-kernel-params/<id>` → ``ImageKernelParamsRecord`` JSON.
    public static let imageKernelParamsPrefix = "netboot/image-kernel-params/"

    public static func roleImage(_ role: String) -> [UInt8] { Array((roleImagesPrefix + role).utf8) }
    public static func imageKernelParams(_ id: String) -> [UInt8] { Array((imageKernelParamsPrefix + id).utf8) }
}

/// Which image a machine of a role boots, and with which kernel parameters: pure functions of the
/// records, so every member decides the same.
public enum RoleImageChoice {
    /// The outcome for one role.
    public enum Outcome: Sendable, Hashable {
        /// Boot this image.
        case boot(ImageRecord)
        /// The role is assigned an image that is not in the store (only a hand-edited store gets
        /// here: deleting an assigned image is refused). Booting another image instead could start
        /// the wrong operating system, so the machine is refused.
        case missingAssigned(String)
        /// No image is uploaded at all.
        case noImage
    }

    /// The role's assigned image when it has one, else the newest image by upload time (ties
    /// broken by id).
    public static func image(forRole role: String, images: [ImageRecord], assignments: [String: String]) -> Outcome {
        if let id = assignments[role] {
            guard let image = images.first(where: { $0.id == id }) else { return .missingAssigned(id) }
            return .boot(image)
        }
        guard let newest = images.max(by: { ($0.uploaded, $0.id) < ($1.uploaded, $1.id) }) else { return .noImage }
        return .boot(newest)
    }

    /// The kernel command line before Kiban's own parameters: the image's, then the role's, so a
    /// role can override what the image sets (for most parameters Linux takes the last value).
    public static func kernelParams(image: String, role: String, imageParams: [String: String], roleParams: [String: String]) -> String {
        [imageParams[image] ?? "", roleParams[role] ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The roles assigned each image, sorted, by image id.
    public static func roles(byImage assignments: [String: String]) -> [String: [String]] {
        Dictionary(grouping: assignments.keys.sorted(), by: { assignments[$0] ?? "" })
    }
}

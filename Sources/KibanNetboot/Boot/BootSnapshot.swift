/// Everything the HTTP boot server answers from, at one store revision: kept in memory and
/// replaced whole when the store changes, so a request never waits for the store.
public struct BootSnapshot: Sendable {
    /// Machines by serial.
    public var machines: [String: BootMachine] = [:]
    /// Images, newest upload last.
    public var images: [ImageRecord] = []
    public var assets: [String: AssetRecord] = [:]
    /// Each role's newest template version and its compiled form.
    public var templates: [String: (version: String, template: ConfigTemplate)] = [:]
    /// Kernel parameters by role.
    public var kernelParams: [String: String] = [:]
    /// Kernel parameters by image id (they come before the role's).
    public var imageKernelParams: [String: String] = [:]
    /// The image id assigned to each role (a role not here boots the newest image).
    public var roleImages: [String: String] = [:]
    /// Which members hold each blob (by SHA-256).
    public var presence: [String: [PresenceRecord]] = [:]
    /// The cluster CA certificate (PEM) for templates.
    public var caCertificatePEM = ""
    /// `kiban.nodes=… kiban.ca=…`, appended to every boot script's kernel command line so
    /// that the machine's agent can enroll from its boot (empty when the node API is unknown).
    public var enrollmentParams = ""
    /// Each issuer's current certificate revocation list (DER), by issuer name, served at
    /// `/ca/<issuer>.crl`.
    public var crls: [String: [UInt8]] = [:]
    /// The store revision this view reflects.
    public var revision: Int64 = 0

    public init() {}

    /// The image a machine of `role` boots (``RoleImageChoice/image(forRole:images:assignments:)``).
    public func image(forRole role: String) -> RoleImageChoice.Outcome {
        RoleImageChoice.image(forRole: role, images: images, assignments: roleImages)
    }

    /// The image with `id`.
    public func image(_ id: String) -> ImageRecord? { images.first { $0.id == id } }
}

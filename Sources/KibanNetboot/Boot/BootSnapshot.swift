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
    public var kernelParams: [String: String] = [:]
    /// Which members hold each blob (by SHA-256).
    public var presence: [String: [PresenceRecord]] = [:]
    /// The cluster CA certificate (PEM) for templates.
    public var caCertificatePEM = ""
    /// The store revision this view reflects.
    public var revision: Int64 = 0

    public init() {}

    /// The image a machine boots: the newest upload (images carry no role yet).
    public var newestImage: ImageRecord? { images.last }

    /// The image with `id`.
    public func image(_ id: String) -> ImageRecord? { images.first { $0.id == id } }
}

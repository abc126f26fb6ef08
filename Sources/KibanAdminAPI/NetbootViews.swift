/// `PUT /v1/templates/<role>`.
public struct TemplateSetBody: Codable, Sendable {
    public var version: String
    public var template: String

    public init(version: String, template: String) {
        self.version = version
        self.template = template
    }
}

/// A template version as `GET /v1/templates` shows it; `template` only when one version is
/// asked for.
public struct TemplateInfo: Codable, Sendable {
    public var role: String
    public var version: String
    /// Unix seconds.
    public var created: Double
    public var bytes: Int
    /// Whether machines of the role get this version (the newest).
    public var current: Bool
    public var template: String?

    public init(role: String, version: String, created: Double, bytes: Int, current: Bool, template: String?) {
        self.role = role
        self.version = version
        self.created = created
        self.bytes = bytes
        self.current = current
        self.template = template
    }
}

/// `PUT /v1/kernel-params/<role>` and `PUT /v1/image-kernel-params/<id>`.
public struct KernelParamsBody: Codable, Sendable {
    public var params: String

    public init(params: String) { self.params = params }
}

/// `GET|PUT /v1/image-settings`.
public struct ImageSettingsView: Codable, Sendable, Hashable {
    /// Images kept (1–1000).
    public var kept: Int

    public init(kept: Int) { self.kept = kept }
}

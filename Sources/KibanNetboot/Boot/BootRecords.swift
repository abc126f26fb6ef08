public import Foundation

/// `netboot/kernel-params/<role>`: the kernel command line a role's machines boot with.
public struct KernelParamsRecord: Codable, Sendable, Hashable {
    public var role: String
    public var params: String

    public init(role: String, params: String) {
        self.role = role
        self.params = params
    }
}

/// `netboot/templates/<role>/<version>`: one version of a role's configuration template.
public struct TemplateRecord: Codable, Sendable, Hashable {
    public var role: String
    public var version: String
    /// The Mustache source.
    public var template: String
    public var created: Date

    public init(role: String, version: String, template: String, created: Date) {
        self.role = role
        self.version = version
        self.template = template
        self.created = created
    }
}

extension NetbootKeys {
    /// `netboot/templates/<role>/<version>` → ``TemplateRecord`` JSON.
    public static let templatesPrefix = "netboot/templates/"
    /// `netboot/kernel-params/<role>` → ``KernelParamsRecord`` JSON.
    public static let kernelParamsPrefix = "netboot/kernel-params/"
    /// Everything the boot server's view follows.
    public static let prefix = "netboot/"

    public static func template(role: String, version: String) -> [UInt8] {
        Array((templatesPrefix + role + "/" + version).utf8)
    }
    public static func templates(role: String) -> [UInt8] { Array((templatesPrefix + role + "/").utf8) }
    public static func kernelParams(role: String) -> [UInt8] { Array((kernelParamsPrefix + role).utf8) }

    /// A role, version or image id: letters, digits, `.`, `_`, `-`, 1 to 63 characters, so it
    /// ends a store key and fits a URL path segment unescaped.
    public static func isValidName(_ name: String) -> Bool {
        (1...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F || c == 0x2D
            } && name != "." && name != ".."
    }
}

import Foundation
import Yams

/// Reading a role from the YAML or JSON document of `kiban ca roles set`: unknown keys are
/// refused, and every problem is listed at once.
extension Role {
    /// The keys a document may have. `max_ttl` is a duration (`90s`, `30m`, `720h`, `30d`) or
    /// seconds.
    static let documentKeys = [
        "issuer", "allowed_names", "allow_ip_sans", "allowed_uri_sans", "key_usage",
        "ext_key_usage", "key_types", "max_ttl", "generate_key", "allow_nodes",
    ]

    /// Parses a role document.
    /// - Throws: ``CAError`` `invalidInput` listing every problem.
    public static func parse(document bytes: [UInt8]) throws(CAError) -> Role {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: String(decoding: bytes, as: UTF8.self)) } catch {
            throw CAError(.invalidInput, "the role document is neither YAML nor JSON: \(error)")
        }
        guard let fields = loaded as? [String: Any] else {
            throw CAError(.invalidInput, "a role document is a mapping of fields (\(documentKeys.joined(separator: ", ")))")
        }
        var reader = FieldReader(fields: fields)
        for key in fields.keys.sorted() where !documentKeys.contains(key) {
            reader.problems.append("\(key): unknown field (a role has \(documentKeys.joined(separator: ", ")))")
        }
        let role = Role(
            issuer: reader.string("issuer") ?? "",
            allowedNames: reader.strings("allowed_names") ?? [],
            allowIPSANs: reader.bool("allow_ip_sans") ?? false,
            allowedURISANs: reader.strings("allowed_uri_sans") ?? [],
            keyUsage: reader.strings("key_usage") ?? ["digitalSignature", "keyEncipherment"],
            extKeyUsage: reader.strings("ext_key_usage") ?? ["serverAuth", "clientAuth"],
            keyTypes: reader.keyTypes() ?? [.p256],
            maxTTLSeconds: reader.duration("max_ttl") ?? 30 * 86_400,
            generateKey: reader.bool("generate_key") ?? true,
            allowNodes: reader.bool("allow_nodes") ?? false)
        let problems = reader.problems + role.problems
        guard problems.isEmpty else {
            throw CAError(.invalidInput, "the role is not valid; nothing was changed", problems: problems)
        }
        return role
    }

    /// What is wrong with the role's values, one line each.
    var problems: [String] {
        var problems: [String] = []
        if issuer.isEmpty { problems.append("issuer: required (an issuer's name, or root)") }
        if allowedNames.isEmpty && allowedURISANs.isEmpty && !allowIPSANs {
            problems.append("allowed_names: required (exact names, *.suffix or globs), unless the role allows only IP or URI SANs")
        }
        for name in allowedNames where name.isEmpty || name.contains(" ") {
            problems.append("allowed_names: \"\(name)\" is not a name pattern")
        }
        for usage in keyUsage where !Self.keyUsages.contains(usage) {
            problems.append("key_usage: \(usage) is not one of \(Self.keyUsages.joined(separator: ", "))")
        }
        for usage in extKeyUsage where !Self.extKeyUsages.contains(usage) {
            problems.append("ext_key_usage: \(usage) is not one of \(Self.extKeyUsages.joined(separator: ", "))")
        }
        if keyTypes.isEmpty { problems.append("key_types: at least one of \(KeyType.names)") }
        if maxTTLSeconds <= 0 { problems.append("max_ttl: must be positive") }
        return problems
    }

    /// The role as a document (`roles get`): the fields of ``parse(document:)``.
    public var document: [String: DocumentValue] {
        [
            "issuer": .string(issuer), "allowed_names": .strings(allowedNames), "allow_ip_sans": .bool(allowIPSANs),
            "allowed_uri_sans": .strings(allowedURISANs), "key_usage": .strings(keyUsage), "ext_key_usage": .strings(extKeyUsage),
            "key_types": .strings(keyTypes.map(\.rawValue)), "max_ttl": .string(DurationText.text(seconds: maxTTLSeconds)),
            "generate_key": .bool(generateKey), "allow_nodes": .bool(allowNodes),
        ]
    }
}

/// A value of a role document.
public enum DocumentValue: Codable, Sendable, Hashable {
    /// A string (`issuer`, `max_ttl`).
    case string(String)
    /// A list of strings (`allowed_names`, …).
    case strings([String])
    /// A flag (`allow_ip_sans`, …).
    case bool(Bool)

    /// Encodes the bare value (a string, a list or a flag).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .strings(let a): try c.encode(a)
        case .bool(let b): try c.encode(b)
        }
    }

    /// Decodes a bare value (a flag, a string or a list of strings).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            self = .strings(try c.decode([String].self))
        }
    }
}

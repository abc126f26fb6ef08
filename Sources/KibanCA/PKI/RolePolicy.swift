import Foundation

/// The decision whether a role allows a request: a pure function of the role, the request and
/// the requester. It returns every rule the request breaks, each naming the role's field, so
/// that the operator sees all of them at once; an empty list allows the request.
enum RolePolicy {
    /// What a request asks for, after its key type and lifetime are known.
    struct Ask {
        var names: SubjectNames
        var keyType: KeyType
        var ttlSeconds: Double
        /// `issue` (the CA generates the key) rather than `sign`.
        var generatedKey: Bool
    }

    /// The rules `ask` breaks under `role` for `requester`.
    static func refusals(_ ask: Ask, role: Role, requester: Requester) -> [String] {
        var refusals: [String] = []
        if case .node(let name) = requester, !role.allowNodes {
            refusals.append("allow_nodes: this role does not issue to nodes (node \(name) asked)")
        }
        let patterns = role.allowedNames.map { pattern(for: $0, requester: requester) }
        var names = ask.names.dnsNames
        if !ask.names.commonName.isEmpty, !ask.names.dnsNames.contains(ask.names.commonName.lowercased()) {
            names.insert(ask.names.commonName.lowercased(), at: 0)
        }
        if names.isEmpty, ask.names.ipAddresses.isEmpty, ask.names.uris.isEmpty {
            refusals.append("a certificate needs a common name or at least one SAN")
        }
        for name in names where !patterns.contains(where: { matches(name, $0) }) {
            refusals.append("allowed_names: \(name) matches none of [\(role.allowedNames.joined(separator: ", "))]")
        }
        if !role.allowIPSANs {
            for ip in ask.names.ipAddresses { refusals.append("allow_ip_sans: IP SAN \(ip.text) is not allowed") }
        }
        for uri in ask.names.uris where !role.allowedURISANs.contains(where: { uri.hasPrefix(pattern(for: $0, requester: requester)) }) {
            refusals.append("allowed_uri_sans: \(uri) starts with none of [\(role.allowedURISANs.joined(separator: ", "))]")
        }
        if !role.keyTypes.contains(ask.keyType) {
            refusals.append("key_types: \(ask.keyType.rawValue) is not one of [\(role.keyTypes.map(\.rawValue).joined(separator: ", "))]")
        }
        if ask.ttlSeconds > role.maxTTLSeconds {
            refusals.append("max_ttl: \(DurationText.text(seconds: ask.ttlSeconds)) is longer than \(DurationText.text(seconds: role.maxTTLSeconds))")
        }
        if ask.generatedKey, !role.generateKey {
            refusals.append("generate_key: this role does not let the CA generate keys; send a CSR with `kiban ca sign`")
        }
        return refusals
    }

    /// `{{node}}` replaced by the node's name; for an operator it stands for any one label.
    static func pattern(for text: String, requester: Requester) -> String {
        switch requester {
        case .node(let name): text.replacingOccurrences(of: "{{node}}", with: name.lowercased())
        case .operator: text.replacingOccurrences(of: "{{node}}", with: "*")
        }
    }

    /// Whether `name` matches `pattern`: `*.suffix` is any name under the suffix (at any
    /// depth); elsewhere `*` is any run of characters within one label; otherwise exact.
    static func matches(_ name: String, _ pattern: String) -> Bool {
        let pattern = pattern.lowercased()
        if pattern.hasPrefix("*.") {
            let suffix = pattern.dropFirst(1)
            return name.count > suffix.count && name.hasSuffix(suffix) && !suffix.contains("*")
        }
        guard pattern.contains("*") else { return name == pattern }
        return glob(Array(name.utf8)[...], Array(pattern.utf8)[...])
    }

    private static func glob(_ name: ArraySlice<UInt8>, _ pattern: ArraySlice<UInt8>) -> Bool {
        guard let p = pattern.first else { return name.isEmpty }
        if p == UInt8(ascii: "*") {
            var rest = name
            while true {
                if glob(rest, pattern.dropFirst()) { return true }
                guard let c = rest.first, c != UInt8(ascii: ".") else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let c = name.first, c == p else { return false }
        return glob(name.dropFirst(), pattern.dropFirst())
    }
}

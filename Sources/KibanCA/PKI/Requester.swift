/// Who asks for a certificate; roles decide what each may get (``RolePolicy``).
///
/// Operators come through the admin socket (a local Unix user, who already controls the
/// daemon). Nodes come over HTTPS on the node API, authenticated by the node certificate
/// their TLS connection presented: **the node's name comes from that verified certificate,
/// never from the request**. A role lets nodes in with `allow_nodes: true`, and then a node
/// may ask only for names that `allowed_names` allows with `{{node}}` replaced by its own name.
/// Node enrollment (KibanNodes' `NodeEnrollment`) signs node certificates with
/// `.node(name: SERIAL)` once a node token proved the machine.
public enum Requester: Sendable, Hashable, CustomStringConvertible {
    /// A local operator on the admin socket, by Unix user name or uid.
    case `operator`(user: String)
    /// A node authenticated by its certificate; `name` is that certificate's identity.
    case node(name: String)

    /// `operator:<user>` or `node:<name>`, as audit records and the inventory show it.
    public var description: String {
        switch self {
        case .operator(let user): "operator:\(user)"
        case .node(let name): "node:\(name)"
        }
    }
}

/// What a request asks for (`issue` from these fields, `sign` from the CSR unless overridden).
public struct IssueRequest: Codable, Sendable, Hashable {
    /// The subject's common name (empty: the first DNS SAN, or none).
    public var commonName: String
    /// DNS names, IP addresses and URIs (`scheme://…`), as text.
    public var sans: [String]
    /// The lifetime in seconds; nil: the role's `max_ttl`.
    public var ttlSeconds: Double?
    /// The key type for a CA-generated key; nil: the role's first.
    public var keyType: KeyType?

    /// Creates a request.
    public init(commonName: String, sans: [String] = [], ttlSeconds: Double? = nil, keyType: KeyType? = nil) {
        self.commonName = commonName
        self.sans = sans
        self.ttlSeconds = ttlSeconds
        self.keyType = keyType
    }
}

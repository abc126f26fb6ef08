/// A role: the policy one kind of certificate is issued under (Vault PKI's roles). Every
/// request is checked against every rule, and a refusal names the rule (``RolePolicy``).
///
/// ```yaml
/// # kiban ca roles set etcd-peer etcd-peer.yaml
/// issuer: etcd
/// allowed_names: ["etcd-*.dc1.example.com", "*.etcd.svc"]
/// allow_ip_sans: true
/// ext_key_usage: [serverAuth, clientAuth]
/// key_types: [p256, ed25519]
/// max_ttl: 720h
/// ```
public struct Role: Codable, Sendable, Hashable {
    /// The issuer that signs (a named issuer or `root`).
    public var issuer: String
    /// Names a certificate may carry, as common name or DNS SAN: exact (`etcd-0.example.com`),
    /// a suffix (`*.example.com`: any name under `example.com`), or a glob (`node-*.example.com`:
    /// `*` is any run of characters within one label). `{{node}}` stands for the requesting
    /// node's name (``Requester/node(name:)``).
    public var allowedNames: [String]
    /// Whether IP-address SANs are allowed.
    public var allowIPSANs: Bool
    /// URI SANs must start with one of these; empty: no URI SANs.
    public var allowedURISANs: [String]
    /// Key usages of issued certificates (RFC 5280 §4.2.1.3 names).
    public var keyUsage: [String]
    /// Extended key usages (`serverAuth`, `clientAuth`, …).
    public var extKeyUsage: [String]
    /// Key types a certificate's key may have.
    public var keyTypes: [KeyType]
    /// The longest lifetime, in seconds; also the lifetime when a request names none.
    public var maxTTLSeconds: Double
    /// Whether the CA may generate the key (`issue`); `sign` (a CSR) is always allowed.
    public var generateKey: Bool
    /// Whether node agents (authenticated by their certificates) may use this role for their
    /// own names: with it, `{{node}}` in ``allowedNames`` is the only name they may ask for.
    public var allowNodes: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case issuer, allowedNames = "allowed_names", allowIPSANs = "allow_ip_sans", allowedURISANs = "allowed_uri_sans"
        case keyUsage = "key_usage", extKeyUsage = "ext_key_usage", keyTypes = "key_types"
        case maxTTLSeconds = "max_ttl_seconds", generateKey = "generate_key", allowNodes = "allow_nodes"
    }

    /// Key usages a role may give a leaf certificate.
    static let keyUsages = ["digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment", "keyAgreement"]
    /// Extended key usages a role may give, by name.
    static let extKeyUsages = ["serverAuth", "clientAuth", "codeSigning", "emailProtection", "timeStamping", "ocspSigning"]
}

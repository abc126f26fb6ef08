public import Foundation

/// `/kiban/pki/issuers/<name>`: a named issuer and every generation of its key. The last
/// generation signs; earlier ones stay until they expire or are retired, so certificates they
/// issued keep verifying and can still be revoked.
struct IssuerRecord: Codable, Sendable {
    /// The issuer's name.
    var name: String
    /// The issuer that signed it, or nil for a separate root.
    var parent: String?
    /// The key type of every generation.
    var keyType: KeyType
    /// The lifetime of each generation's certificate, in seconds.
    var ttlSeconds: Double
    /// Oldest first; the last one is active.
    var generations: [IssuerGeneration]
}

/// One key of an issuer and its certificate. The key is sealed; **it is never returned.**
struct IssuerGeneration: Codable, Sendable {
    /// 1, 2, … in order of creation.
    var number: Int
    /// The certificate (PEM), signed by the parent's active key, or self-signed for a root.
    var certificatePEM: String
    /// For a rotated root: this generation's key and name, signed by the previous generation's
    /// key, so that relying parties trusting only the old root accept the new one.
    var crossSignedPEM: String?
    /// The certificates above this one when it was signed, nearest first, ending with the root
    /// (empty for a root).
    var chainPEM: [String]
    /// The private key, sealed under the KEK for purpose `issuer:<name>:<number>`.
    var sealedKey: SealedKey
    var serial: String
    var notBefore: Date
    var notAfter: Date
    /// Set by `rotate` on the generation it replaces; a retired generation still verifies and
    /// publishes its CRL, but no longer signs certificates.
    var retiredAt: Date?
}

/// An issuer as the API shows it: certificates and dates, never the key.
public struct IssuerView: Codable, Sendable, Hashable {
    /// The issuer's name (`root` is the cluster root).
    public var name: String
    /// The parent issuer, nil for a root.
    public var parent: String?
    /// The key type.
    public var keyType: KeyType
    /// The active generation's number.
    public var generation: Int
    /// The active certificate (PEM).
    public var certificatePEM: String
    /// The active certificate's subject.
    public var subject: String
    /// The active certificate's serial (hex).
    public var serial: String
    /// The start of the active certificate's validity.
    public var notBefore: Date
    /// The end of the active certificate's validity.
    public var notAfter: Date
    /// The chain above the active certificate up to and including its root (PEM, nearest first).
    public var chainPEM: [String]
    /// Every generation, oldest first.
    public var generations: [GenerationView]
}

/// One generation of an issuer, as shown.
public struct GenerationView: Codable, Sendable, Hashable {
    /// The generation's number.
    public var number: Int
    /// Its certificate (PEM).
    public var certificatePEM: String
    /// Its cross-signed certificate (a rotated root's new key signed by the previous key).
    public var crossSignedPEM: String?
    /// Its serial (hex).
    public var serial: String
    /// The start of its validity.
    public var notBefore: Date
    /// The end of its validity.
    public var notAfter: Date
    /// When `rotate` replaced it; nil for the active generation.
    public var retiredAt: Date?
}

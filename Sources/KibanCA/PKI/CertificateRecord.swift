public import Foundation

/// `/kiban/pki/certs/<issuer>/<serial>`: one issued certificate in the inventory (never its key).
public struct CertificateRecord: Codable, Sendable, Hashable {
    /// Hex serial number, as `openssl x509 -serial` prints it (lowercase).
    public var serial: String
    /// The issuer that signed it.
    public var issuer: String
    /// The generation of the issuer's key that signed it (its CRL lists it when revoked).
    public var issuerGeneration: Int
    /// The role it was issued under.
    public var role: String
    /// The subject's common name.
    public var commonName: String
    /// Subject alternative names: DNS names, IP addresses and URIs as text.
    public var sans: [String]
    /// The key type of the certificate's key.
    public var keyType: KeyType
    /// The start of the validity (five minutes or a tenth of the lifetime before issuance, for clock skew).
    public var notBefore: Date
    /// The end of the validity.
    public var notAfter: Date
    /// Who asked for it (``Requester/description``).
    public var requester: String
    /// Whether the CA generated the key (`issue`) or the requester sent a CSR (`sign`).
    public var generatedKey: Bool
    /// Set once it is revoked.
    public var revocation: Revocation?
    /// The certificate (PEM); public.
    public var certificatePEM: String
}

/// When and why a certificate was revoked.
public struct Revocation: Codable, Sendable, Hashable {
    /// When it was revoked (the CRL's revocationDate).
    public var at: Date
    /// Why (the CRL entry's reasonCode).
    public var reason: RevocationReason
    /// Who revoked it.
    public var by: String
}

/// The CRL reason codes of RFC 5280 §5.3.1 that an operator can give (`certificateHold` and
/// `removeFromCRL` are left out: revocation here is final).
public enum RevocationReason: String, Codable, Sendable, Hashable, CaseIterable {
    /// No reason given (no reasonCode in the CRL entry).
    case unspecified
    /// The certificate's key leaked or may have.
    case keyCompromise
    /// The issuer's key leaked or may have.
    case caCompromise
    /// The subject changed (renamed, moved).
    case affiliationChanged
    /// A new certificate replaces it.
    case superseded
    /// It is no longer needed (a machine retired).
    case cessationOfOperation
    /// The subject may no longer hold it.
    case privilegeWithdrawn

    /// The `CRLReason` ENUMERATED value.
    var code: Int {
        switch self {
        case .unspecified: 0
        case .keyCompromise: 1
        case .caCompromise: 2
        case .affiliationChanged: 3
        case .superseded: 4
        case .cessationOfOperation: 5
        case .privilegeWithdrawn: 9
        }
    }
}

/// The answer to an issuance: the certificate, the chain up to the root, and the key when the
/// CA generated it. **The key is in this value only**: it is not stored anywhere.
public struct IssuedCertificate: Codable, Sendable {
    /// The inventory record of the new certificate.
    public var record: CertificateRecord
    /// The certificate (PEM).
    public var certificatePEM: String
    /// The issuer's certificate and every certificate above it, nearest first (PEM); the last
    /// one is the root.
    public var chainPEM: [String]
    /// The private key (PKCS#8 PEM, PKCS#1 for RSA) when the CA generated it. **Secret.**
    public var privateKeyPEM: String?
}

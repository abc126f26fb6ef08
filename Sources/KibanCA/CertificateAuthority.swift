import Crypto
public import Foundation
import SwiftASN1
public import X509

/// The cluster's root certificate authority: an ECDSA P-256 key and a self-signed certificate.
///
/// **The private key is a secret.** It lives in the replicated store only sealed
/// (``sealedKey(with:)``, envelope encryption under the cluster's ``KeyEncryptionKey``), so that
/// any member holding that key can issue certificates; it is never printed or logged
/// (``description`` omits it).
public struct CertificateAuthority: Sendable, CustomStringConvertible {
    /// The root certificate.
    public let certificate: Certificate
    let privateKey: P256.Signing.PrivateKey

    /// Creates a new root CA for the cluster `clusterID`, valid from five minutes before `now`
    /// (clock skew) for `validity`.
    /// - Throws: ``CAError`` `internal` if the certificate cannot be built.
    public static func create(
        clusterID: String, now: Date,
        validity: TimeInterval = 10 * 365 * 86_400
    ) throws(CAError) -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        do {
            let name = try DistinguishedName {
                OrganizationName("Kiban")
                CommonName("Kiban cluster \(clusterID) root CA")
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: now - 300,
                notValidAfter: now + validity,
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    // Path length 1: the root may sign one level of intermediates (`kiban ca issuers
                    // create NAME --parent root`), which sign end-entity certificates.
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                },
                issuerPrivateKey: Certificate.PrivateKey(key))
            return CertificateAuthority(certificate: certificate, privateKey: key)
        } catch {
            throw CAError(.internal, "could not build the root certificate: \(error)")
        }
    }

    /// Loads a CA from its PEM certificate and PEM (PKCS#8) private key, as stored.
    /// - Throws: ``CAError`` `invalidPEM` or `keyMismatch`.
    public init(certificatePEM: String, privateKeyPEM: String) throws(CAError) {
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
        } catch {
            throw CAError(.invalidPEM, "the stored CA certificate is not valid PEM: \(error)")
        }
        do {
            privateKey = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw CAError(.invalidPEM, "the stored CA key is not a P-256 PEM key")
        }
        guard certificate.publicKey == Certificate.PublicKey(privateKey.publicKey) else {
            throw CAError(.keyMismatch, "the stored CA key does not belong to the stored CA certificate")
        }
    }

    /// Loads a CA from its PEM certificate and its sealed private key.
    /// - Throws: ``CAError`` `invalidPEM`, `invalidKey` (wrong or missing key-encryption key,
    ///   altered ciphertext) or `keyMismatch`.
    public init(certificatePEM: String, sealed: SealedKey, kek: KeyEncryptionKey) throws(CAError) {
        let raw = try sealed.open(purpose: Self.sealPurpose, with: kek)
        let key: P256.Signing.PrivateKey
        do { key = try P256.Signing.PrivateKey(rawRepresentation: raw) } catch {
            throw CAError(.invalidKey, "the sealed CA key is not a P-256 key")
        }
        try self.init(certificatePEM: certificatePEM, privateKeyPEM: key.pemRepresentation)
    }

    /// The private key sealed under `kek`, for the replicated store.
    /// - Throws: ``CAError`` `internal`.
    public func sealedKey(with kek: KeyEncryptionKey) throws(CAError) -> SealedKey {
        try SealedKey.seal(Array(privateKey.rawRepresentation), purpose: Self.sealPurpose, with: kek)
    }

    /// What the sealed key of the cluster root authenticates: it opens only as this record.
    static let sealPurpose = "issuer:root"

    init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// The certificate in PEM.
    public var certificatePEM: String {
        // Serializing a certificate this type built or parsed cannot fail.
        (try? certificate.serializeAsPEM().pemString) ?? ""
    }

    /// The private key in PKCS#8 PEM. **Secret**: for tests and for reading records written
    /// before keys were sealed; never stored.
    package var privateKeyPEM: String { privateKey.pemRepresentation }

    /// The private key's raw scalar. **Secret**: for tests that search files for it.
    package var privateKeyRaw: [UInt8] { Array(privateKey.rawRepresentation) }

    /// `sha256:` and the hex SHA-256 of the certificate's DER encoding: what a join token
    /// carries so that a joining server can check it talks to this cluster.
    public var fingerprint: String { Self.fingerprint(ofDER: derBytes) }

    /// The certificate's DER encoding.
    public var derBytes: [UInt8] {
        var serializer = DER.Serializer()
        // Serializing a certificate this type built or parsed cannot fail.
        try? serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// The fingerprint of any DER certificate, in the same form as ``fingerprint``.
    public static func fingerprint(ofDER der: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: der).map { String($0, radix: 16).leftPadded(2) }.joined()
    }

    public var description: String { "CertificateAuthority(\(certificate.subject), \(fingerprint))" }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

import Foundation
import X509

/// An issuer ready to sign: its active (or a chosen) generation's certificate and opened key,
/// and the chain above it. Lives only for one operation; **the key is never stored open**.
struct Signer: Sendable {
    /// The issuer's name (`root` for the cluster root).
    var name: String
    /// The generation whose key this is (1 for the cluster root).
    var generation: Int
    var certificate: Certificate
    var key: KeyMaterial
    /// The certificates above ``certificate``, nearest first, ending with the root; empty for a root.
    var chain: [Certificate]

    /// The subject key identifier that certificates it signs name as their authority key.
    var keyID: ArraySlice<UInt8>? {
        do { return try certificate.extensions.subjectKeyIdentifier?.keyIdentifier } catch { return nil }
    }

    /// How many intermediate CAs may follow this one (nil: unlimited), or nil if it is not a CA.
    var pathLength: Int?? {
        let constraints: BasicConstraints?
        do { constraints = try certificate.extensions.basicConstraints } catch { return nil }
        guard case .isCertificateAuthority(let length)? = constraints else { return nil }
        return .some(length)
    }
}

/// The certificates of issuers: self-signed roots, intermediates signed by a parent, and the
/// cross-signed certificate of a rotated root. Pure: keys, serials and `now` come in.
enum IssuerCertificates {
    /// `O=Kiban, CN=<name> CA G<generation>`: each generation has its own name, so that chain
    /// building and CRL matching (by issuer name) never confuse two keys of one issuer.
    static func subject(name: String, generation: Int) throws -> DistinguishedName {
        try DistinguishedName {
            OrganizationName("Kiban")
            CommonName("\(name) CA G\(generation)")
        }
    }

    /// A CA certificate for `key` named `subject`, signed by `signer` (nil: self-signed),
    /// valid from five minutes before `now` (clock skew) for `ttl`, but never past the signer.
    static func build(
        subject: DistinguishedName, key: KeyMaterial, signer: Signer?, pathLength: Int,
        now: Date, ttl: TimeInterval
    ) throws(CAError) -> Certificate {
        let publicKey = key.publicKey
        let notAfter = min(now + ttl, signer?.certificate.notValidAfter ?? .distantFuture)
        do {
            return try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: now - 300,
                notValidAfter: notAfter,
                issuer: signer?.certificate.subject ?? subject,
                subject: subject,
                signatureAlgorithm: signer?.key.signatureAlgorithm ?? key.signatureAlgorithm,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: pathLength))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: publicKey)
                    if let keyID = signer?.keyID { AuthorityKeyIdentifier(keyIdentifier: keyID) }
                },
                issuerPrivateKey: signer?.key.certificateKey ?? key.certificateKey)
        } catch {
            throw CAError(.internal, "could not build the issuer certificate \(subject): \(error)")
        }
    }
}

import Foundation
import SwiftASN1
import X509

/// End-entity certificates under a role: the names, usages and lifetime the role allowed.
enum LeafCertificates {
    /// Builds and signs the certificate for `publicKey`.
    static func build(
        names: SubjectNames, publicKey: Certificate.PublicKey, role: Role, signer: Signer,
        now: Date, ttl: TimeInterval
    ) throws(CAError) -> Certificate {
        let sans =
            names.dnsNames.map { GeneralName.dnsName($0) }
            + names.ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0.bytes))) }
            + names.uris.map { GeneralName.uniformResourceIdentifier($0) }
        do {
            let subject = try DistinguishedName {
                if !names.commonName.isEmpty { CommonName(names.commonName) }
            }
            let usages = try ExtendedKeyUsage(role.extKeyUsage.compactMap(Self.extKeyUsage))
            let keyID = signer.keyID
            return try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: now - min(300, ttl / 10),
                notValidAfter: now + ttl,
                issuer: signer.certificate.subject,
                subject: subject,
                signatureAlgorithm: signer.key.signatureAlgorithm,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(keyUsage(role.keyUsage))
                    if !role.extKeyUsage.isEmpty { usages }
                    if !sans.isEmpty {
                        if names.commonName.isEmpty { Critical(SubjectAlternativeNames(sans)) } else { SubjectAlternativeNames(sans) }
                    }
                    SubjectKeyIdentifier(hash: publicKey)
                    if let keyID { AuthorityKeyIdentifier(keyIdentifier: keyID) }
                },
                issuerPrivateKey: signer.key.certificateKey)
        } catch {
            throw CAError(.internal, "could not build the certificate for \(names.commonName): \(error)")
        }
    }

    static func keyUsage(_ names: [String]) -> KeyUsage {
        KeyUsage(
            digitalSignature: names.contains("digitalSignature"), nonRepudiation: names.contains("contentCommitment"),
            keyEncipherment: names.contains("keyEncipherment"), dataEncipherment: names.contains("dataEncipherment"),
            keyAgreement: names.contains("keyAgreement"))
    }

    static func extKeyUsage(_ name: String) -> ExtendedKeyUsage.Usage? {
        switch name {
        case "serverAuth": .serverAuth
        case "clientAuth": .clientAuth
        case "codeSigning": .codeSigning
        case "emailProtection": .emailProtection
        case "timeStamping": .timeStamping
        case "ocspSigning": .ocspSigning
        default: nil
        }
    }
}

extension Certificate {
    /// PEM ending in a line feed, so that PEMs concatenate into bundles; a certificate this
    /// module built or parsed always serializes.
    var pem: String { ((try? serializeAsPEM().pemString) ?? "") + "\n" }

    /// Lowercase hex serial, as ``MemberCertificate/serial``.
    var serialHex: String { serialNumber.bytes.map { String($0, radix: 16).leftPadded(2) }.joined() }

    /// The subject's common name, or "".
    var commonName: String { subject.commonName }
}

extension DistinguishedName {
    /// The first common name, or "".
    var commonName: String {
        lazy.flatMap { $0 }.first { $0.type == ASN1ObjectIdentifier.RDNAttributeType.commonName }
            .flatMap { String($0.value) } ?? ""
    }
}

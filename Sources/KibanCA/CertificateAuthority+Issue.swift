import Crypto
public import Foundation
import SwiftASN1
public import X509

/// What a member certificate names: the member, and where peers reach it.
///
/// **The identity peers check is the URI SAN** ``uri``, `spiffe://kiban-<cluster>/member/<id hex>`:
/// it binds the certificate to one cluster and one Raft member id. The name and IPs are for
/// people and for tools like `openssl verify -verify_hostname`.
public struct MemberIdentity: Sendable, Hashable {
    /// The member's name (a DNS SAN and the common name).
    public var name: String
    /// IP addresses peers connect to (IP SANs), 4 or 16 bytes each.
    public var ipAddresses: [[UInt8]]
    /// The cluster id, when the certificate is to carry the URI SAN.
    public var clusterID: String?
    /// The Raft member id, when the certificate is to carry the URI SAN.
    public var memberID: UInt64?

    /// Creates an identity.
    public init(name: String, ipAddresses: [[UInt8]], clusterID: String? = nil, memberID: UInt64? = nil) {
        self.name = name
        self.ipAddresses = ipAddresses
        self.clusterID = clusterID
        self.memberID = memberID
    }

    /// The URI SAN naming cluster and member, or nil when either is unknown.
    public var uri: String? {
        guard let clusterID, let memberID else { return nil }
        return Self.uri(clusterID: clusterID, memberID: memberID)
    }

    /// `spiffe://kiban-<cluster>/member/<id hex>`.
    public static func uri(clusterID: String, memberID: UInt64) -> String {
        "spiffe://kiban-\(clusterID)/member/\(String(memberID, radix: 16))"
    }
}

extension CertificateAuthority {
    /// Issues a certificate for a member's mutual-TLS peer connections: server and client
    /// authentication, the member's name and IPs as SANs, valid for `validity` from `now`.
    /// - Throws: ``CAError`` `internal`.
    public func issueMemberCertificate(
        for identity: MemberIdentity, publicKey: Certificate.PublicKey,
        now: Date, validity: TimeInterval = 365 * 86_400
    ) throws(CAError) -> Certificate {
        do {
            let subject = try DistinguishedName {
                OrganizationName("Kiban")
                CommonName(identity.name)
            }
            let caKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            let sans =
                [GeneralName.dnsName(identity.name)] + (identity.uri.map { [GeneralName.uniformResourceIdentifier($0)] } ?? [])
                + identity.ipAddresses.map { GeneralName.ipAddress(.init(contentBytes: ArraySlice($0))) }
            return try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: publicKey,
                // Five minutes back for clock skew between members (less for short test lifetimes).
                notValidBefore: now - min(300, validity / 10),
                notValidAfter: min(now + validity, certificate.notValidAfter),
                issuer: certificate.subject,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectAlternativeNames(sans)
                    if let caKeyID { AuthorityKeyIdentifier(keyIdentifier: caKeyID) }
                },
                issuerPrivateKey: Certificate.PrivateKey(privateKey))
        } catch {
            throw CAError(.internal, "could not issue a certificate for \(identity.name): \(error)")
        }
    }

    /// Issues a member certificate for the key of a certificate signing request, after
    /// checking the request's signature (proof that the requester holds the key).
    /// - Throws: ``CAError`` `invalidRequest` or `internal`.
    public func sign(
        _ csrPEM: String, as identity: MemberIdentity, now: Date,
        validity: TimeInterval = 365 * 86_400
    ) throws(CAError) -> Certificate {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(pemEncoded: csrPEM)
        } catch {
            throw CAError(.invalidRequest, "the certificate signing request is not valid PEM")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw CAError(.invalidRequest, "the certificate signing request's signature does not match its key")
        }
        return try issueMemberCertificate(for: identity, publicKey: csr.publicKey, now: now, validity: validity)
    }
}

/// A member's own key and a request for its certificate.
public enum MemberKey {
    /// Creates a P-256 key and a CSR naming `identity`; returns (key PEM, CSR PEM).
    /// - Throws: ``CAError`` `internal`.
    public static func createRequest(for identity: MemberIdentity) throws(CAError) -> (keyPEM: String, csrPEM: String) {
        let key = P256.Signing.PrivateKey()
        do {
            let subject = try DistinguishedName { CommonName(identity.name) }
            let csr = try CertificateSigningRequest(
                version: .v1, subject: subject, privateKey: Certificate.PrivateKey(key),
                attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256)
            return (key.pemRepresentation, try csr.serializeAsPEM().pemString)
        } catch {
            throw CAError(.internal, "could not create a certificate request: \(error)")
        }
    }
}

extension CertificateAuthority {
    /// ``sign(_:as:now:)`` with the certificate in PEM, for callers that only store or send it.
    /// - Throws: ``CAError`` `invalidRequest` or `internal`.
    public func signPEM(
        _ csrPEM: String, as identity: MemberIdentity, now: Date,
        validity: TimeInterval = 365 * 86_400
    ) throws(CAError) -> String {
        let certificate = try sign(csrPEM, as: identity, now: now, validity: validity)
        do {
            return try certificate.serializeAsPEM().pemString
        } catch {
            throw CAError(.internal, "could not encode the certificate for \(identity.name): \(error)")
        }
    }
}

public import Foundation
import SwiftASN1
import X509

/// What a peer learns from a member certificate that TLS has already verified against the
/// cluster CA: whom it names, its serial, and when it expires.
public struct MemberCertificate: Sendable, Hashable {
    /// The common name (the member's name).
    public var name: String?
    /// The cluster id and member id of the URI SAN; nil for a certificate issued before
    /// identities were URIs (it is renewed at once, see ``RenewalPolicy``).
    public var clusterID: String?
    public var memberID: UInt64?
    /// The serial number, lowercase hex without leading zeros stripped (as issued).
    public var serial: String
    public var notValidBefore: Date
    public var notValidAfter: Date
    /// Every URI SAN (a node certificate's `kiban-node://SERIAL` among them).
    public var uris: [String] = []

    /// Parses a DER certificate; nil if it is not one.
    public init?(der: [UInt8]) {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        self.init(certificate)
    }

    /// Parses a PEM certificate (the first one); nil if it is not one.
    public init?(pem: String) {
        guard let certificate = try? Certificate(pemEncoded: pem) else { return nil }
        self.init(certificate)
    }

    init(_ certificate: Certificate) {
        name = certificate.subject.lazy.flatMap { $0 }
            .first { $0.type == ASN1ObjectIdentifier.RDNAttributeType.commonName }
            .flatMap { String($0.value) }
        serial = certificate.serialNumber.bytes.map { String($0, radix: 16).leftPadded(2) }.joined()
        notValidBefore = certificate.notValidBefore
        notValidAfter = certificate.notValidAfter
        let uris =
            (try? certificate.extensions.subjectAlternativeNames)??.compactMap { name -> String? in
                if case .uniformResourceIdentifier(let uri) = name { return uri }
                return nil
            } ?? []
        self.uris = uris
        for uri in uris {
            if let (cluster, member) = Self.parse(uri: uri) {
                clusterID = cluster
                memberID = member
                break
            }
        }
    }

    /// Splits `spiffe://kiban-<cluster>/member/<id hex>`.
    static func parse(uri: String) -> (String, UInt64)? {
        let prefix = "spiffe://kiban-"
        guard uri.hasPrefix(prefix) else { return nil }
        let parts = uri.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] == "member", !parts[0].isEmpty, let id = UInt64(parts[2], radix: 16) else { return nil }
        return (String(parts[0]), id)
    }

    /// The DER of the first certificate in `pem`, or nil.
    public static func der(pem: String) -> [UInt8]? {
        guard let certificate = try? Certificate(pemEncoded: pem) else { return nil }
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return nil }
        return serializer.serializedBytes
    }

    /// Whole days until expiry at `now` (negative once expired).
    public func daysLeft(now: Date) -> Int {
        Int((notValidAfter.timeIntervalSince(now) / 86_400).rounded(.down))
    }
}

/// When a member renews its certificate: once two thirds of its lifetime have passed (so a
/// one-year certificate renews about four months before it expires, and a member that was down
/// for weeks still has time), or at once when the certificate predates URI identities.
public enum RenewalPolicy {
    /// Whether `certificate` should be renewed at `now`.
    public static func isDue(_ certificate: MemberCertificate, now: Date) -> Bool {
        guard certificate.memberID != nil else { return true }
        let lifetime = certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore)
        let renewAt = certificate.notValidBefore.addingTimeInterval(lifetime * 2 / 3)
        return now >= renewAt
    }
}

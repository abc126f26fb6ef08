import Foundation
import SwiftASN1
import X509

/// One revoked certificate as a CRL lists it.
struct RevokedEntry: Sendable, Hashable {
    /// The serial's DER integer bytes, as the certificate carries them.
    var serial: [UInt8]
    var revokedAt: Date
    var reason: RevocationReason
}

/// Builds a DER `CertificateList` (RFC 5280 §5.1), which swift-certificates does not: a v2
/// `TBSCertList` with the issuer's name, thisUpdate/nextUpdate, the revoked serials with their
/// reason codes (§5.3.1), and the authority key identifier (§5.2.1) and CRL number (§5.2.3)
/// extensions, signed by the issuer's key.
enum CRLEncoder {
    struct Input {
        var issuer: DistinguishedName
        var authorityKeyID: ArraySlice<UInt8>?
        var crlNumber: Int64
        var thisUpdate: Date
        var nextUpdate: Date
        var revoked: [RevokedEntry]
    }

    /// The signed CRL's DER bytes.
    static func encode(_ input: Input, signer: KeyMaterial) throws(CAError) -> [UInt8] {
        do {
            var tbs = DER.Serializer()
            try tbsCertList(input, signer: signer, &tbs)
            let tbsBytes = tbs.serializedBytes
            let signature = try signer.signature(over: tbsBytes)
            var coder = DER.Serializer()
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(tbsBytes)
                try signer.algorithmIdentifier(&coder)
                try coder.serialize(ASN1BitString(bytes: ArraySlice(signature)))
            }
            return coder.serializedBytes
        } catch let error as CAError {
            throw error
        } catch {
            throw CAError(.internal, "cannot encode the CRL: \(error)")
        }
    }

    private static func tbsCertList(_ input: Input, signer: KeyMaterial, _ coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)  // v2
            try signer.algorithmIdentifier(&coder)
            try coder.serialize(input.issuer)
            try time(input.thisUpdate, &coder)
            try time(input.nextUpdate, &coder)
            if !input.revoked.isEmpty {
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    for entry in input.revoked { try revokedCertificate(entry, &coder) }
                }
            }
            try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    if let keyID = input.authorityKeyID {
                        try coder.serialize(try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: keyID), critical: false))
                    }
                    var number = DER.Serializer()
                    try number.serialize(input.crlNumber)
                    try coder.serialize(
                        Certificate.Extension(
                            oid: [2, 5, 29, 20], critical: false,
                            value: ArraySlice(number.serializedBytes)))
                }
            }
        }
    }

    private static func revokedCertificate(_ entry: RevokedEntry, _ coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(ArraySlice(entry.serial))
            try time(entry.revokedAt, &coder)
            guard entry.reason != .unspecified else { return }
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                // reasonCode ::= ENUMERATED (tag 10), one byte for every defined reason.
                let value: [UInt8] = [0x0a, 0x01, UInt8(entry.reason.code)]
                try coder.serialize(Certificate.Extension(oid: [2, 5, 29, 21], critical: false, value: ArraySlice(value)))
            }
        }
    }

    /// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §5.1.2.4), whole seconds, UTC.
    private static func time(_ date: Date, _ coder: inout DER.Serializer) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let (y, mo, d, h, mi, s) = (c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        if y < 2050 {
            try coder.serialize(try UTCTime(year: y, month: mo, day: d, hours: h, minutes: mi, seconds: s))
        } else {
            try coder.serialize(try GeneralizedTime(year: y, month: mo, day: d, hours: h, minutes: mi, seconds: s, fractionalSeconds: 0))
        }
    }
}

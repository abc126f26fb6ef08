import Foundation
import KibanStore
import X509

/// Certificate revocation lists, built from the inventory on demand.
extension PKIService {
    /// The DER CRL of issuer `name`'s generation `generation` (nil: the active one), signed by
    /// that generation's key: every revoked, unexpired certificate it issued, thisUpdate now,
    /// nextUpdate after ``crlValiditySeconds``. The CRL number is the store revision the
    /// inventory was read at, so it grows with every change, on every member.
    /// - Throws: ``CAError`` `notFound`.
    public func crl(issuer name: String, generation: Int? = nil) async throws -> [UInt8] {
        let signer = try await self.signer(name, generation: generation)
        let read = try await store.range(.prefix(PKIKeys.key(PKIKeys.certs + name + "/")))
        let now = self.now()
        var revoked: [RevokedEntry] = []
        for kv in read.kvs {
            let record = try decode(CertificateRecord.self, kv.value, what: "a certificate record")
            guard record.issuerGeneration == signer.generation, let revocation = record.revocation, record.notAfter > now,
                let serial = Self.serialBytes(record.serial)
            else { continue }
            revoked.append(RevokedEntry(serial: serial, revokedAt: revocation.at, reason: revocation.reason))
        }
        return try CRLEncoder.encode(
            CRLEncoder.Input(
                issuer: signer.certificate.subject, authorityKeyID: signer.keyID, crlNumber: read.revision,
                thisUpdate: now, nextUpdate: now + crlValiditySeconds, revoked: revoked), signer: signer.key)
    }

    /// The DER integer bytes of a hex serial as the inventory keeps it.
    static func serialBytes(_ hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

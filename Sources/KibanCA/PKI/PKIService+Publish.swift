import Foundation
import KibanStore

/// The CRLs every member publishes on its HTTP boot port.
extension PKIService {
    /// The current CRL of the cluster root and of each named issuer's active generation, by
    /// issuer name. An issuer whose CRL cannot be built now (a member without the KEK, no
    /// quorum for the read) is left out; the caller keeps what it served before.
    public func currentCRLs() async throws -> [String: [UInt8]] {
        var names = [PKIKeys.rootIssuer]
        let read = try await store.range(.prefix(PKIKeys.key(PKIKeys.issuers)))
        names += read.kvs.map { String(decoding: $0.key.dropFirst(PKIKeys.issuers.utf8.count), as: UTF8.self) }
        var crls: [String: [UInt8]] = [:]
        for name in names {
            crls[name] = try? await crl(issuer: name)
        }
        return crls
    }
}

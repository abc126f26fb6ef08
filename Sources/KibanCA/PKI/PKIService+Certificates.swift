public import Foundation
package import KibanStore

/// The certificate inventory and revocation.
extension PKIService {
    /// Issued certificates, by issuer and serial; only `issuer`'s when given; with
    /// `expiringWithin`, only those neither revoked nor expired that expire within that many
    /// seconds from now.
    public func certificates(issuer: String? = nil, expiringWithin: TimeInterval? = nil) async throws -> [CertificateRecord] {
        let prefix = PKIKeys.certs + (issuer.map { $0 + "/" } ?? "")
        let read = try await store.range(.prefix(PKIKeys.key(prefix)))
        var records: [CertificateRecord] = []
        let now = self.now()
        for kv in read.kvs {
            let record = try decode(CertificateRecord.self, kv.value, what: "a certificate record")
            if let within = expiringWithin {
                guard record.revocation == nil, record.notAfter > now, record.notAfter <= now + within else { continue }
            }
            records.append(record)
        }
        return records
    }

    /// The certificate with serial `serial` (hex, any case, colons allowed).
    /// - Throws: ``CAError`` `notFound`.
    public func certificate(serial: String) async throws -> CertificateRecord {
        try await certificateRecord(serial).record
    }

    /// Revokes certificate `serial`: it is listed in its issuer's CRL from now on. Revoking a
    /// revoked certificate changes nothing.
    /// - Throws: ``CAError`` `notFound`.
    @discardableResult
    public func revoke(serial: String, reason: RevocationReason = .unspecified, by actor: Requester) async throws -> CertificateRecord {
        for _ in 0..<attemptsMax {
            let change = try await revocation(of: serial, reason: reason, by: actor)
            guard let compare = change.compare else { return change.record }
            if try await store.txn(Txn(compares: [compare], success: change.operations)).succeeded { return change.record }
        }
        throw lostRaces("revoking \(serial)")
    }

    /// What revoking certificate `serial` writes, for ``revoke(serial:reason:by:)`` or a caller's
    /// own transaction (a node certificate's renewal revokes the old one in the transaction that
    /// records the new): the revoked record, the compare that the certificate is unchanged since
    /// read, and the operations (with the audit entry). Without a compare or operations, and
    /// with the record as it is, when it is revoked already.
    /// - Throws: ``CAError`` `notFound`.
    package func revocation(
        of serial: String, reason: RevocationReason, by actor: Requester
    ) async throws -> (record: CertificateRecord, compare: Compare?, operations: [KibanStore.Operation]) {
        let (record, key, revision) = try await certificateRecord(serial)
        guard record.revocation == nil else { return (record, nil, []) }
        let now = self.now()
        var revoked = record
        revoked.revocation = Revocation(at: now, reason: reason, by: actor.description)
        return (
            revoked, Compare(key, .equal, .modRevision(revision)),
            [
                .put(key: key, value: try encode(revoked), lease: 0),
                try auditPut("revoke", record.serial, detail: "\(reason.rawValue), issuer \(record.issuer)", by: actor, at: now),
            ]
        )
    }

    /// The revocation of certificate `serial` as this member has applied it (a serializable read,
    /// for checks on every request of a node), or nil while it is not revoked.
    /// - Throws: ``CAError`` `notFound`.
    public func revocation(serial: String) async throws -> Revocation? {
        try await certificateRecord(serial, consistency: .serializable).record.revocation
    }

    func certificateRecord(_ serial: String, consistency: ReadConsistency = .linearizable) async throws -> (
        record: CertificateRecord, key: [UInt8], revision: Int64
    ) {
        let normalized = Self.normalize(serial: serial)
        guard let index = try await store.get(PKIKeys.serial(normalized), consistency: consistency) else {
            throw CAError(.notFound, "no certificate has serial \(serial); list them with kiban ca certs list")
        }
        let key = PKIKeys.cert(issuer: String(decoding: index.value, as: UTF8.self), serial: normalized)
        guard let kv = try await store.get(key, consistency: consistency) else {
            throw CAError(.notFound, "no certificate has serial \(serial); list them with kiban ca certs list")
        }
        return (try decode(CertificateRecord.self, kv.value, what: "certificate \(normalized)"), key, kv.modRevision)
    }

    /// Lowercase hex without colons, as the inventory keys serials (`openssl x509 -serial`
    /// prints uppercase).
    static func normalize(serial: String) -> String {
        serial.lowercased().filter { $0 != ":" && $0 != " " }
    }
}

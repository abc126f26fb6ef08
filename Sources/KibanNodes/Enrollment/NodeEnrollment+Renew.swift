public import Foundation
import KibanCA
import KibanInventory
import KibanStore

/// Renewal (`POST /v1/renew`, authenticated by the current node certificate) and revocation
/// (`kiban nodes revoke SERIAL`) of a machine's node certificate.
extension NodeEnrollment {
    /// Issues machine `serial` a new certificate for the key in `csr`, in place of its current
    /// one `certificateSerial` (which the caller authenticated with ``identify(certificateSerial:uris:now:)``).
    /// One transaction replaces the machine's record with the new certificate and revokes the
    /// old one as `superseded`, comparing both revisions read (two renewals racing: one wins,
    /// the other's new certificate is revoked). Audited (`nodes.renew`).
    /// - Throws: ``NodeError`` `forbidden` (not the current certificate; renewed meanwhile),
    ///   `invalidInput` (CSR).
    public func renew(serial: String, certificateSerial: String, csr: String, now: Date) async throws -> Enrolled {
        let key = NodeKeys.enrolled(serial)
        guard let held = try await store.record(EnrollmentPolicy.Issued.self, at: key),
            held.value.certificateSerial == certificateSerial.lowercased()
        else {
            throw NodeError(.forbidden, "certificate \(certificateSerial) is not the one machine \(serial) holds; enroll again")
        }
        do { try PKIService.checkCSR(csr) } catch { throw NodeError(.invalidInput, error.message) }
        try await prepareIssuer()
        let certificate = try await pki.sign(
            role: Self.role, csrPEM: csr, request: IssueRequest(commonName: serial, sans: [Self.uri(serial)]),
            requester: .node(name: serial))
        let record = EnrollmentPolicy.Issued(certificateSerial: certificate.record.serial, notAfter: certificate.record.notAfter)
        let audit = try tokens.audit(
            "node:\(serial)", "nodes.renew", serial,
            detail: "certificate \(record.certificateSerial) replaces \(held.value.certificateSerial), valid until \(record.notAfter.formatted(.iso8601))",
            now: now)
        let old = try await pki.revocation(of: held.value.certificateSerial, reason: .superseded, by: .node(name: serial))
        let result = try await store.txn(
            Txn(
                compares: [Compare(key, .equal, .modRevision(held.modRevision))] + (old.compare.map { [$0] } ?? []),
                success: [.put(key: key, value: try Store.encode(record), lease: 0), audit] + old.operations))
        guard result.succeeded else {
            _ = try? await pki.revoke(serial: record.certificateSerial, reason: .superseded, by: .node(name: serial))
            throw NodeError(.forbidden, "machine \(serial) renewed, enrolled or was revoked at the same time; this certificate was revoked")
        }
        return Enrolled(
            certificatePEM: certificate.certificatePEM, chainPEM: certificate.chainPEM,
            certificateSerial: record.certificateSerial, notAfter: record.notAfter)
    }

    /// Revokes machine `serial`'s node certificate (`kiban nodes revoke`): its agent is refused
    /// from then on, and the machine may enroll again with a new token. Audited (`nodes.revoke`).
    /// - Returns: the revoked certificate's serial number.
    /// - Throws: ``NodeError`` `invalidInput` (serial), `notFound` (the machine holds no
    ///   certificate, or it is revoked).
    public func revoke(serial: String, user: String, now: Date) async throws -> String {
        guard NodeFacts.isName(serial) else { throw NodeError(.invalidInput, "a serial is 1 to 64 letters, digits, '.', '_' or '-'") }
        guard let held = try await store.record(EnrollmentPolicy.Issued.self, at: NodeKeys.enrolled(serial)) else {
            throw NodeError(.notFound, "machine \(serial) holds no node certificate; see kiban nodes list")
        }
        let certificate = held.value.certificateSerial
        guard try await pki.revocation(serial: certificate) == nil else {
            throw NodeError(.notFound, "the node certificate \(certificate) of \(serial) is already revoked")
        }
        _ = try await pki.revoke(serial: certificate, reason: .unspecified, by: .operator(user: user))
        _ = try await store.txn(Txn(success: [try tokens.audit(user, "nodes.revoke", serial, detail: "certificate \(certificate)", now: now)]))
        return certificate
    }
}

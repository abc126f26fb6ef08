public import Foundation
import KibanCA
import KibanStore

/// Who is asking on the node API: the machine a verified client certificate names, accepted
/// only while it is the certificate that machine enrolled with, unexpired and unrevoked. Reads
/// are serializable (local): this runs on every heartbeat.
extension NodeEnrollment {
    /// The serial of the machine whose node certificate has serial number `certificateSerial`
    /// and URI SANs `uris` (the TLS layer has checked the chain to the cluster CA).
    /// - Throws: ``NodeError`` `forbidden` saying why the certificate is not a node's current one.
    public func identify(certificateSerial: String, uris: [String], now: Date) async throws -> String {
        guard let serial = Self.serial(inURIs: uris) else {
            throw NodeError(.forbidden, "the client certificate names no machine (kiban-node://SERIAL); enroll with kiban agent join")
        }
        let enrolled = try await store.record(EnrollmentPolicy.Issued.self, at: NodeKeys.enrolled(serial), consistency: .serializable)
        guard let issued = enrolled?.value, issued.certificateSerial == certificateSerial.lowercased() else {
            throw NodeError(.forbidden, "certificate \(certificateSerial) is not the one machine \(serial) enrolled with; enroll again")
        }
        guard issued.notAfter > now else {
            throw NodeError(.forbidden, "the node certificate of \(serial) expired at \(issued.notAfter.formatted(.iso8601)); enroll again")
        }
        guard (try await pki.revocation(serial: certificateSerial)) == nil else {
            throw NodeError(.forbidden, "the node certificate of \(serial) was revoked; enroll again with a new token")
        }
        return serial
    }

    /// Every machine's enrolled certificate, by serial.
    public func enrolled() async throws -> [String: EnrollmentPolicy.Issued] {
        let read = try await store.range(.prefix(Array(NodeKeys.enrolledPrefix.utf8)))
        var all: [String: EnrollmentPolicy.Issued] = [:]
        for kv in read.kvs {
            all[String(decoding: kv.key.dropFirst(NodeKeys.enrolledPrefix.utf8.count), as: UTF8.self)] = try Store.decode(EnrollmentPolicy.Issued.self, kv)
        }
        return all
    }
}

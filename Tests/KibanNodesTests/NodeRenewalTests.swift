import Foundation
import KibanNodes
import KibanStore
import Testing

@testable import KibanCA

@Suite("Node certificate renewal and revocation")
struct NodeRenewalTests {
    @Test("Renewal replaces the machine's certificate and revokes the old one as superseded in one step; only the current certificate renews")
    func renew() async throws {
        let (cluster, enrollment) = try await enrollmentFixture()
        defer { Task { await cluster.stop() } }
        let first = try await enrollment.enroll("KB-1", try await enrollment.token(NodeTokenScope(serial: "KB-1")))
        let csr = try MemberKey.createRequest(for: MemberIdentity(name: "KB-1", ipAddresses: [])).csrPEM
        let renewed = try await enrollment.renew(serial: "KB-1", certificateSerial: first.certificateSerial, csr: csr, now: Date())
        #expect(renewed.certificateSerial != first.certificateSerial)
        #expect(MemberCertificate(pem: renewed.certificatePEM)?.uris == ["kiban-node://KB-1"])
        #expect(try await enrollment.enrolled()["KB-1"]?.certificateSerial == renewed.certificateSerial)
        #expect(try await enrollment.pki.revocation(serial: first.certificateSerial)?.reason == .superseded)
        #expect(
            try await enrollment.identify(certificateSerial: renewed.certificateSerial, uris: ["kiban-node://KB-1"], now: Date()) == "KB-1")
        #expect(
            await refusal { _ = try await enrollment.identify(certificateSerial: first.certificateSerial, uris: ["kiban-node://KB-1"], now: Date()) }
                == .forbidden)
        #expect(
            await refusal { _ = try await enrollment.renew(serial: "KB-1", certificateSerial: first.certificateSerial, csr: csr, now: Date()) }
                == .forbidden, "the superseded certificate renews nothing")
        #expect(
            await refusal { _ = try await enrollment.renew(serial: "KB-1", certificateSerial: renewed.certificateSerial, csr: "junk", now: Date()) }
                == .invalidInput)
        #expect(try await enrollment.audit("nodes.renew").map(\.subject) == ["KB-1"])
    }

    @Test("kiban nodes revoke refuses the machine's agent from then on and lets it enroll again; revoking twice is refused")
    func revoke() async throws {
        let (cluster, enrollment) = try await enrollmentFixture()
        defer { Task { await cluster.stop() } }
        let enrolled = try await enrollment.enroll("KB-1", try await enrollment.token(NodeTokenScope(serial: "KB-1")))
        #expect(try await enrollment.revoke(serial: "KB-1", user: "alice", now: Date()) == enrolled.certificateSerial)
        #expect(
            await refusal { _ = try await enrollment.identify(certificateSerial: enrolled.certificateSerial, uris: ["kiban-node://KB-1"], now: Date()) }
                == .forbidden)
        #expect(await refusal { _ = try await enrollment.revoke(serial: "KB-1", user: "alice", now: Date()) } == .notFound)
        #expect(await refusal { _ = try await enrollment.revoke(serial: "KB-2", user: "alice", now: Date()) } == .notFound)
        #expect(await refusal { _ = try await enrollment.revoke(serial: "../x", user: "alice", now: Date()) } == .invalidInput)
        _ = try await enrollment.enroll("KB-1", try await enrollment.token(NodeTokenScope(serial: "KB-1")))
        #expect(try await enrollment.audit("nodes.revoke").map(\.actor) == ["alice"])
    }
}

import Foundation
import KibanInventory
import KibanNodes
import KibanStore
import KibanTestSupport
import Testing

@testable import KibanCA

/// The node fixture with a cluster root in the store (as `kiban init` writes it) and the
/// enrollment service over it.
func enrollmentFixture() async throws -> (StoreCluster, NodeEnrollment) {
    let (cluster, nodes) = try await nodeFixture()
    let kek = KeyEncryptionKey.create()
    let root = try CertificateAuthority.create(clusterID: "c1", now: Date())
    let record = ClusterRootRecord(certificatePEM: root.certificatePEM, sealedKey: try root.sealedKey(with: kek))
    _ = try await nodes.store.put(PKIKeys.clusterRoot, Array(try JSONEncoder().encode(record)))
    let tokens = NodeTokens(store: nodes.store, inventory: nodes.inventory)
    return (cluster, NodeEnrollment(tokens: tokens, pki: PKIService(store: nodes.store, kek: kek, now: { Date() })))
}

let enrollCluster = NodeTokens.Cluster(clusterID: "c1", addresses: ["127.0.0.1:10443"], caFingerprint: "sha256:00")

extension NodeEnrollment {
    /// A token for `scope` created now by alice.
    func token(_ scope: NodeTokenScope, force: Bool = false, ttl: TimeInterval = 3600) async throws -> NodeToken {
        try await tokens.create(scope, force: force, ttl: ttl, cluster: enrollCluster, user: "alice", now: Date())
    }

    /// Enrolls `serial` with `token` and a fresh key.
    func enroll(_ serial: String, _ token: NodeToken) async throws -> Enrolled {
        let csr = try MemberKey.createRequest(for: MemberIdentity(name: serial, ipAddresses: [])).csrPEM
        return try await enroll(Request(secret: token.secret, serial: serial, csr: csr), now: Date())
    }

    /// The audit entries of `action`.
    func audit(_ action: String) async throws -> [AuditEntry] {
        try await tokens.store.auditLog(AuditQuery(action: action)).entries
    }
}

/// The refusal's code, or nil when `body` succeeded or threw something else.
func refusal(_ body: () async throws -> Void) async -> NodeError.Code? {
    do { try await body() } catch let error as NodeError { return error.code } catch { return nil }
    return nil
}

@Suite("Node tokens and enrollment")
struct NodeEnrollmentTests {
    @Test("A token is stored only as a hash, round-trips its text, is audited, and is capped")
    func tokens() async throws {
        let (cluster, enrollment) = try await enrollmentFixture()
        defer { Task { await cluster.stop() } }
        let token = try await enrollment.token(NodeTokenScope(serial: "KB-1"))
        #expect(try NodeToken(encoded: token.encoded) == token)
        let stored = try await enrollment.tokens.store.range(.prefix(Array(NodeKeys.tokensPrefix.utf8))).kvs
        #expect(stored.count == 1)
        #expect(!String(decoding: stored[0].value, as: UTF8.self).contains(token.secret), "the secret is not stored")
        #expect(try await enrollment.tokens.list().map(\.id) == [token.id])
        #expect(try await enrollment.audit("nodes.token.create").map(\.subject) == [token.id])
        #expect(await refusal { _ = try await enrollment.token(NodeTokenScope(serial: "KB-9")) } == .notFound)
        #expect(await refusal { _ = try await enrollment.token(NodeTokenScope(serial: "KB-1"), ttl: 8 * 86_400) } == .invalidInput)
        #expect(await refusal { _ = try await enrollment.token(NodeTokenScope(serial: "KB-1", rack: 1)) } == .invalidInput)
        try await enrollment.tokens.revoke(id: token.id, user: "alice", now: Date())
        #expect(try await enrollment.tokens.list().isEmpty)
        #expect(await refusal { try await enrollment.tokens.revoke(id: token.id, user: "alice", now: Date()) } == .notFound)
    }

    @Test("Enrollment issues a nodes certificate naming the serial, spends the token and is audited")
    func enroll() async throws {
        let (cluster, enrollment) = try await enrollmentFixture()
        defer { Task { await cluster.stop() } }
        let token = try await enrollment.token(NodeTokenScope(serial: "KB-1"))
        let enrolled = try await enrollment.enroll("KB-1", token)
        let certificate = try #require(MemberCertificate(pem: enrolled.certificatePEM))
        #expect(certificate.uris == ["kiban-node://KB-1"])
        #expect(certificate.serial == enrolled.certificateSerial)
        #expect(try await enrollment.pki.certificate(serial: enrolled.certificateSerial).issuer == NodeEnrollment.issuer)
        #expect(await refusal { _ = try await enrollment.enroll("KB-1", token) } == .forbidden, "a token works once")
        #expect(try await enrollment.audit("nodes.enroll").map(\.subject) == ["KB-1"])
        let serial = try await enrollment.identify(certificateSerial: enrolled.certificateSerial, uris: certificate.uris, now: Date())
        #expect(serial == "KB-1")
    }

    @Test("Wrong, expired and foreign-scope tokens are refused; a refused scope or a bad CSR leaves the token unspent")
    func wrongTokens() async throws {
        let (cluster, enrollment) = try await enrollmentFixture()
        defer { Task { await cluster.stop() } }
        let forged = NodeToken(
            clusterID: "c1", scope: NodeTokenScope(serial: "KB-1"), addresses: enrollCluster.addresses,
            caFingerprint: enrollCluster.caFingerprint, ttl: 60, now: Date())
        #expect(await refusal { _ = try await enrollment.enroll("KB-1", forged) } == .forbidden)
        let short = try await enrollment.token(NodeTokenScope(serial: "KB-1"), ttl: 1)
        try await Task.sleep(for: .milliseconds(2100))
        #expect(await refusal { _ = try await enrollment.enroll("KB-1", short) } == .forbidden, "expired")
        let other = try await enrollment.token(NodeTokenScope(role: "storage"))
        #expect(await refusal { _ = try await enrollment.enroll("KB-1", other) } == .forbidden)
        #expect(try await enrollment.tokens.list().contains { $0.id == other.id }, "still unspent")
        let rack = try await enrollment.token(NodeTokenScope(rack: 1))
        let garbled = NodeEnrollment.Request(
            secret: rack.secret, serial: "KB-3", csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
        #expect(await refusal { _ = try await enrollment.enroll(garbled, now: Date()) } == .invalidInput)
        _ = try await enrollment.enroll("KB-3", rack)
    }

    @Test("A retired machine, an unknown one and one holding a valid certificate are refused; --force re-enrolls and revokes the old one")
    func policy() async throws {
        let (cluster, enrollment) = try await enrollmentFixture()
        defer { Task { await cluster.stop() } }
        let inventory = enrollment.tokens.inventory
        try await inventory.setState("KB-2", .retiring, user: "alice", now: Date())
        try await inventory.setState("KB-2", .retired, user: "alice", now: Date())
        #expect(await refusal { _ = try await enrollment.enroll("KB-2", try await enrollment.token(NodeTokenScope(rack: 1))) } == .refused)
        #expect(try await enrollment.audit("nodes.enroll").map(\.outcome) == ["refused"], "the refusal is audited")
        #expect(await refusal { _ = try await enrollment.enroll("KB-7", try await enrollment.token(NodeTokenScope(rack: 1))) } == .refused)

        let first = try await enrollment.enroll("KB-1", try await enrollment.token(NodeTokenScope(serial: "KB-1")))
        #expect(await refusal { _ = try await enrollment.enroll("KB-1", try await enrollment.token(NodeTokenScope(serial: "KB-1"))) } == .refused)
        let second = try await enrollment.enroll("KB-1", try await enrollment.token(NodeTokenScope(serial: "KB-1"), force: true))
        #expect(try await enrollment.pki.certificate(serial: first.certificateSerial).revocation?.reason == .superseded)
        let uris = ["kiban-node://KB-1"]
        #expect(await refusal { _ = try await enrollment.identify(certificateSerial: first.certificateSerial, uris: uris, now: Date()) } == .forbidden)
        #expect(try await enrollment.identify(certificateSerial: second.certificateSerial, uris: uris, now: Date()) == "KB-1")
        _ = try await enrollment.pki.revoke(serial: second.certificateSerial, by: .operator(user: "alice"))
        #expect(await refusal { _ = try await enrollment.identify(certificateSerial: second.certificateSerial, uris: uris, now: Date()) } == .forbidden)
    }

    @Test("Of eight enrollments racing with one token, exactly one gets a certificate")
    func race() async throws {
        let (cluster, enrollment) = try await enrollmentFixture()
        defer { Task { await cluster.stop() } }
        let token = try await enrollment.token(NodeTokenScope(rack: 1))
        let serials = ["KB-1", "KB-2", "KB-3", "KB-1", "KB-2", "KB-3", "KB-1", "KB-2"]
        let succeeded = await withTaskGroup(of: Bool.self) { group in
            for serial in serials { group.addTask { (try? await enrollment.enroll(serial, token)) != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(succeeded == 1)
        #expect(try await enrollment.enrolled().count == 1)
    }
}

import Foundation
import KibanInventory
import KibanNodes
import KibanStore
import KibanTestSupport
import Testing

@testable import KibanCA

/// Enrollment without an operator: boot tokens minted only for the machine's own address,
/// superseded by the next boot, short-lived, and every refusal audited.
@Suite("Boot tokens")
struct BootEnrollmentTests {
    /// The fixture, the boot service and KB-1's first IPAM address.
    func fixture() async throws -> (StoreCluster, NodeEnrollment, BootEnrollment, String) {
        let (cluster, enrollment) = try await enrollmentFixture()
        let machine = try #require(try await enrollment.tokens.inventory.machine("KB-1"))
        let address = try #require(machine.ipv4.first).description
        return (cluster, enrollment, BootEnrollment(tokens: enrollment.tokens), address)
    }

    @Test("A boot token is minted only for a request from the machine's own address; other addresses are refused and audited")
    func onlyTheMachinesAddress() async throws {
        let (cluster, enrollment, boot, address) = try await fixture()
        defer { Task { await cluster.stop() } }
        // One second apart: the audit log orders entries by time.
        let t0 = Date()
        let at = { (seconds: Double) in t0.addingTimeInterval(seconds) }
        #expect(await refusal { _ = try await boot.mint(serial: "KB-1", from: "10.0.0.66", cluster: enrollCluster, now: at(0)) } == .forbidden)
        let other = try #require(try await enrollment.tokens.inventory.machine("KB-2")?.ipv4.first).description
        #expect(await refusal { _ = try await boot.mint(serial: "KB-1", from: other, cluster: enrollCluster, now: at(1)) } == .forbidden)
        #expect(
            await refusal { _ = try await boot.mint(serial: "KB-9", from: address, cluster: enrollCluster, now: at(2)) } == .forbidden,
            "an unknown serial is refused like a wrong address")
        #expect(await refusal { _ = try await boot.mint(serial: "../x", from: address, cluster: enrollCluster, now: at(2)) } == .invalidInput)
        let refused = try await enrollment.audit("nodes.boot-token")
        #expect(refused.map(\.outcome) == ["refused", "refused", "refused"])
        #expect(refused.map(\.actor) == ["boot:10.0.0.66", "boot:\(other)", "boot:\(address)"])
        #expect(try await enrollment.tokens.list().isEmpty, "no token was minted")

        let now = at(3)
        let token = try await boot.mint(serial: "KB-1", from: address, cluster: enrollCluster, now: now)
        #expect(token.scope == NodeTokenScope(serial: "KB-1"))
        #expect(abs(token.expiresAt.timeIntervalSince(now) - BootEnrollment.ttl) < 1, "10 minutes (whole seconds)")
        let stored = try await enrollment.tokens.list()
        #expect(stored.map(\.id) == [token.id] && stored[0].createdBy == "boot:\(address)")
        let audit = try await enrollment.audit("nodes.boot-token")
        #expect(audit.count == 4 && audit.last?.outcome != "refused")
        #expect(!audit.contains { $0.detail.contains(token.secret) }, "the secret is never in the audit log")
        #expect(await refusal { _ = try await enrollment.enroll("KB-2", token) } == .forbidden, "bound to KB-1")
        let enrolled = try await enrollment.enroll("KB-1", token)
        #expect(MemberCertificate(pem: enrolled.certificatePEM)?.uris == ["kiban-node://KB-1"])
    }

    @Test("A newer boot's token supersedes the unspent earlier one; minting is rate-limited per serial")
    func supersede() async throws {
        let (cluster, enrollment, boot, address) = try await fixture()
        defer { Task { await cluster.stop() } }
        let t0 = Date()
        let first = try await boot.mint(serial: "KB-1", from: address, cluster: enrollCluster, now: t0)
        #expect(
            await refusal { _ = try await boot.mint(serial: "KB-1", from: address, cluster: enrollCluster, now: t0.addingTimeInterval(2)) }
                == .forbidden, "a second token within the minimum interval is refused")
        let second = try await boot.mint(
            serial: "KB-1", from: address, cluster: enrollCluster, now: t0.addingTimeInterval(BootEnrollment.mintIntervalMinimum))
        #expect(try await enrollment.tokens.list().map(\.id) == [second.id], "the first token is gone")
        #expect(await refusal { _ = try await enrollment.enroll("KB-1", first) } == .forbidden, "only the newest boot's token works")
        _ = try await enrollment.enroll("KB-1", second)
        #expect(await refusal { _ = try await enrollment.enroll("KB-1", second) } == .forbidden, "single use")
    }

    @Test("A boot token expires within minutes; a machine already enrolled gets none, and the refusal is audited")
    func expiryAndEnrolled() async throws {
        let (cluster, enrollment, boot, address) = try await fixture()
        defer { Task { await cluster.stop() } }
        let past = Date().addingTimeInterval(-BootEnrollment.ttl - 1)
        let stale = try await boot.mint(serial: "KB-1", from: address, cluster: enrollCluster, now: past)
        #expect(await refusal { _ = try await enrollment.enroll("KB-1", stale) } == .forbidden, "expired")
        let fresh = try await boot.mint(serial: "KB-1", from: address, cluster: enrollCluster, now: Date())
        _ = try await enrollment.enroll("KB-1", fresh)
        // An attacker who enrolled first is detected here: the real machine's boot is refused and audited.
        #expect(
            await refusal { _ = try await boot.mint(serial: "KB-1", from: address, cluster: enrollCluster, now: Date().addingTimeInterval(60)) }
                == .refused)
        let last = try #require(try await enrollment.audit("nodes.boot-token").last)
        #expect(last.outcome == "refused" && last.detail.contains("already holds node certificate"))
    }

    @Test("Of several boots racing for one machine's token, one token survives")
    func race() async throws {
        let (cluster, enrollment, boot, address) = try await fixture()
        defer { Task { await cluster.stop() } }
        let now = Date()
        let minted = await withTaskGroup(of: NodeToken?.self) { group in
            for _ in 0..<6 { group.addTask { try? await boot.mint(serial: "KB-1", from: address, cluster: enrollCluster, now: now) } }
            return await group.reduce(into: [NodeToken]()) { if let t = $1 { $0.append(t) } }
        }
        #expect(minted.count == 1)
        let stored = try await enrollment.tokens.list()
        #expect(stored.count == 1 && minted.contains { $0.id == stored[0].id })
    }
}

import Foundation
import KibanTestSupport
import Testing

/// A removed member's daemon, restarted with the certificate it still holds, against the rest.
@Suite("A removed member with real processes", .serialized)
struct RemovedMemberTests {
    @Test("A removed member restarted with its still-valid certificate is refused by the others and cannot write")
    func removedMemberRestarts() async throws {
        let root = try temporaryDirectory("kiban-removed")
        let cluster = try await Cluster.start(3, prefix: "boot", root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await cluster.initialize()
        try await cluster.joinOthers()
        let leaderName = try #require(cluster.leader(seenBy: cluster.members[0]))
        let leader = try #require(cluster.member(leaderName))
        let removed = try #require(cluster.members.last { $0.name != leaderName })
        let stayed = try #require(cluster.members.first { $0 !== leader && $0 !== removed })
        let r = leader.cli("members", "remove", removed.name)
        #expect(r.code == 0, "\(r.stderr)")
        try await poll("the removal to reach both remaining members", seconds: 60) {
            cluster.voters(seenBy: leader) == 2 && cluster.voters(seenBy: stayed) == 2
        }

        let refusal = "kiban.server.reason=not in the member list"
        let before = [leader, stayed].map { $0.log.components(separatedBy: refusal).count }
        removed.stop()
        try await removed.start()
        try await poll("the remaining members to refuse the restarted removed member", seconds: 90) {
            zip([leader, stayed], before).contains { m, n in m.log.components(separatedBy: refusal).count > n }
        }
        let write = removed.put("from-removed", "must not be acknowledged", secondsMax: 45)
        #expect(write.json == nil, "a removed member cannot write: \(write)")

        // The others carry on as a 2-member cluster led by one of them, and never see that write.
        #expect(stayed.put("after-removal", "ok").json != nil)
        #expect(cluster.voters(seenBy: leader) == 2)
        #expect([leader.name, stayed.name].contains(cluster.leader(seenBy: stayed) ?? "none"))
        #expect(try leader.read("from-removed").get() == nil)
    }
}

import Foundation
import KibanTestSupport
import Testing

/// `kiban members transfer-leader` and `kiban members remove` run on a follower.
@Suite("Membership changes from a follower", .serialized)
struct MemberForwardTests {
    @Test("A follower forwards transfer-leader and remove to the leader, which audits them for the original caller")
    func forwarded() async throws {
        let root = try temporaryDirectory("kiban-forward")
        let cluster = try await DaemonTestSupport.cluster(3, prefix: "f", root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let oldLeader = try #require(cluster.leader(seenBy: cluster.members[0]))
        let followers = try DaemonTestSupport.followers(cluster)
        let (asker, target) = (followers[0], followers[1])

        let moved = asker.cli("members", "transfer-leader", target.name, "-o", "json")
        #expect(moved.code == 0, "\(moved.stderr)")
        try await poll("\(target.name) to lead", seconds: DaemonTestSupport.waitSeconds) {
            cluster.members.allSatisfy { cluster.leader(seenBy: $0) == target.name }
        }
        #expect(asker.log.contains("forwarded a membership change to the leader"))

        // asker still follows (target leads now); it removes the old leader.
        let removed = asker.cli("members", "remove", oldLeader)
        #expect(removed.code == 0, "\(removed.stderr)")
        try await poll("the removal to reach every remaining member", seconds: DaemonTestSupport.waitSeconds) {
            [asker, target].allSatisfy { m in
                ((m.status()?["members"] as? [[String: Any]]) ?? []).map { $0["name"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") }
                    == [asker.name, target.name].sorted().map(Optional.some)
            }
        }
        // The leader's own checks still apply: removing one of two voters needs --force.
        let refused = asker.cli("members", "remove", target.name)
        #expect(refused.code != 0 && refused.stderr.contains("--force"), "\(refused.stderr)")

        // Recorded by the leader, for the caller of the follower's socket, naming that follower.
        let entries = target.audited("member.transfer-leader", target.name) + target.audited("member.remove", oldLeader)
        #expect(entries.count == 2, "\(target.auditEntries())")
        #expect(
            entries.allSatisfy { $0["member"] as? String == asker.name && ($0["actor"] as? String)?.hasPrefix("uid=\(getuid())") == true },
            "\(entries)")
    }
}

import Foundation
import KibanTestSupport
import Testing

/// A follower that missed more than the leader's log catches up through a snapshot streamed in
/// chunks over the peer connection.
@Suite("Snapshots streamed to lagging followers", .serialized)
struct SnapshotChunkTests {
    @Test("A follower stopped while the log is compacted past it catches up through a multi-chunk snapshot")
    func catchUp() async throws {
        let root = try temporaryDirectory("kiban-chunks")
        let cluster = try await DaemonTestSupport.cluster(3, prefix: "c", root: root, arguments: ["--snapshot-count", "20"])
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let leaderName = try #require(cluster.leader(seenBy: cluster.members[0]))
        let leader = try #require(cluster.member(leaderName))
        let lagging = try #require(try DaemonTestSupport.followers(cluster).first)
        lagging.stop()

        // About 3.5 MiB of state: more than three 1 MiB chunks.
        for i in 0..<72 {
            let value = String(repeating: "\(i % 10)abcdefghijklmnopqrstuvwxyz", count: 1800)
            let r = leader.cli("kv", "put", "images/img-\(i)", value)
            #expect(r.code == 0, "\(r.stderr)")
        }

        try await lagging.start()
        try await poll("the restarted follower to apply what the leader has", seconds: DaemonTestSupport.waitSeconds) {
            let want = (leader.status()?["revision"] as? NSNumber)?.int64Value ?? -1
            return (lagging.status()?["revision"] as? NSNumber)?.int64Value == want
        }
        let received = Self.chunkCounts(lagging.log, "received a snapshot")
        let sent = Self.chunkCounts(leader.log, "sent a snapshot")
        #expect(received.contains { $0 > 1 }, "follower log: \(received)")
        #expect(sent.contains { $0 > 1 }, "leader log: \(sent)")
        // Identical state: every key, value and revision, as each member serves them.
        let fromLeader = leader.cli("kv", "list", "", "-o", "json")
        let fromLagging = lagging.cli("kv", "list", "", "-o", "json")
        #expect(fromLeader.code == 0 && fromLagging.code == 0, "\(fromLeader.stderr) \(fromLagging.stderr)")
        #expect(fromLeader.stdout.count > 3_000_000)
        #expect(fromLagging.stdout == fromLeader.stdout, "the members differ: \(fromLagging.stdout.count) and \(fromLeader.stdout.count) bytes")
        #expect(lagging.cli("kv", "put", "after-catch-up", "ok").code == 0)
    }

    /// The chunk counts logged on lines containing `message`.
    static func chunkCounts(_ log: String, _ message: String) -> [Int] {
        log.split(separator: "\n").filter { $0.contains(message) }.compactMap { line in
            guard let range = line.range(of: "snapshot_chunks=") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }
}

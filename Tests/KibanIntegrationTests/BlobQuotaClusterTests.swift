import Foundation
import KibanTestSupport
import Testing

/// `blob-quota` between real members: one member's quota refuses an upload to it, and refuses
/// copies of blobs that would take it past the quota, with the reason in its log; the cluster's
/// store and the other members carry on.
@Suite("Blob quota in a real cluster", .serialized)
struct BlobQuotaClusterTests {
    @Test("A member past its blob-quota refuses uploads (507) and replication (logged, not announced); the store keeps working")
    func quotaBetweenMembers() async throws {
        let root = try temporaryDirectory("bquota")
        let members = (1...3).map { ServerProcess(name: "bq-\($0)", under: root) }
        let limited = members[2]
        limited.extraConfig = "blob-quota: 8KiB\n"
        for m in members {
            m.environment = BlobReplicationTests.environment
            try await m.start()
        }
        let cluster = Cluster(root: root, members: members)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await cluster.initialize()
        try await cluster.joinOthers()
        let (first, second) = (members[0], members[1])
        let small = root + "/small.bin"
        let big = root + "/big.bin"
        try Data(repeating: 1, count: 3000).write(to: URL(fileURLWithPath: small))
        try Data(repeating: 2, count: 6000).write(to: URL(fileURLWithPath: big))

        // Within the quota, the limited member gets its copy like any other.
        #expect(first.cli("assets", "upload", "small", small).code == 0)
        try await poll("small on every member", seconds: DaemonTestSupport.waitSeconds) {
            BlobReplicationTests.assetMembers("small", seenBy: first).count == 3
        }

        // An upload to the limited member past its quota is refused, naming the setting.
        let refused = limited.cli("assets", "upload", "big-here", big)
        #expect(refused.code != 0 && refused.stderr.contains("blob-quota"), "\(refused.stderr)")
        #expect(limited.cli("assets", "info", "big-here").code != 0, "nothing recorded")

        // Uploaded elsewhere, the blob reaches the others; the limited member refuses its copy
        // and says why in its log, and never announces it.
        #expect(first.cli("assets", "upload", "big", big).code == 0)
        try await poll("big on the two members without a quota", seconds: DaemonTestSupport.waitSeconds) {
            BlobReplicationTests.assetMembers("big", seenBy: limited).sorted() == [first.name, second.name]
        }
        try await poll("the refusal in the limited member's log", seconds: DaemonTestSupport.waitSeconds) {
            limited.log.components(separatedBy: "\n").contains { $0.contains("cannot store a blob") && $0.contains("blob-quota") }
        }
        try await Task.sleep(for: .seconds(3))
        #expect(BlobReplicationTests.assetMembers("big", seenBy: second).sorted() == [first.name, second.name], "still not on \(limited.name)")
        let blobs = (try? FileManager.default.contentsOfDirectory(atPath: limited.dataDir + "/blobs/sha256")) ?? []
        #expect(blobs.count == 1, "only small's blob on the limited member: \(blobs)")

        // The store is unaffected: writes through the limited member commit everywhere.
        #expect(limited.cli("kv", "put", "after-quota", "yes").code == 0)
        try await poll("the write on every member") { members.allSatisfy { $0.cli("kv", "get", "after-quota").stdout == "yes\n" } }
        #expect(limited.status()?["leader"] != nil)
    }
}

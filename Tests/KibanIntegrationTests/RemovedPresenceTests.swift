import Foundation
import KibanTestSupport
import Testing

/// Blob presence keys of a member that leaves: deleted by the leader that removed it.
@Suite("Presence of removed members", .serialized)
struct RemovedPresenceTests {
    static func presenceMembers(_ hash: String, seenBy m: ServerProcess) -> [String] {
        let r = m.cli("kv", "list", "netboot/presence/\(hash)/", "-o", "json")
        let kvs = ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]]) ?? []
        return kvs.compactMap { ($0["key"] as? String)?.split(separator: "/").last.map(String.init) }.sorted()
    }

    @Test("Removing a member deletes its presence keys, keeps the others', and the listing no longer names it")
    func removalWithdrawsPresence() async throws {
        let cluster = try await BlobReplicationTests.startCluster("gone")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: cluster.root)
        }
        let files = TestFiles(root: cluster.root)
        let m = cluster.members
        let kernel = try files.random("k", bytes: 300_000)
        let initrd = try files.random("i", bytes: 100_000)
        let up = m[0].cli("images", "upload", "img-1", "--kernel", kernel, "--initrd", initrd)
        #expect(up.code == 0, "\(up.stderr)")
        let hash = try sha256sum(kernel)
        let initrdHash = try sha256sum(initrd)
        let names = m.map(\.name).sorted()
        try await poll("img-1's kernel present on all three", seconds: 90) { Self.presenceMembers(hash, seenBy: m[0]) == names }

        // Removed through a member that is not necessarily the leader (the change is forwarded).
        let removed = m[2]
        let r = m[1].cli("members", "remove", removed.name)
        #expect(r.code == 0, "\(r.stderr)")
        let stayed = names.filter { $0 != removed.name }
        try await poll("the removed member's presence keys deleted", seconds: 60) {
            Self.presenceMembers(hash, seenBy: m[0]) == stayed && Self.presenceMembers(initrdHash, seenBy: m[1]) == stayed
        }
        #expect(BlobReplicationTests.members(of: "img-1", seenBy: m[1]) == stayed)

        // Keys of a name that is no member (a removal whose leader failed before deleting them)
        // are swept by the leader within seconds; members' keys stay.
        #expect(m[0].cli("kv", "put", "netboot/presence/\(hash)/ghost", #"{"member":"ghost","http":"http://192.0.2.1:1"}"#).code == 0)
        try await poll("the leader's sweep of a non-member's presence key", seconds: 60) {
            Self.presenceMembers(hash, seenBy: m[1]) == stayed
        }
    }
}

import Foundation
import KibanTestSupport
import Testing

/// `kiban snapshot save` and `kiban snapshot restore` with real processes.
@Suite("Backups and disaster recovery", .serialized)
struct SnapshotBackupTests {
    @Test("A backup saved from a 3-member cluster restores into a new cluster that serves its data and admits a new member")
    func saveAndRestore() async throws {
        let root = try temporaryDirectory("kiban-backup")
        let cluster = try await DaemonTestSupport.cluster(3, prefix: "old", root: root)
        let rescue = try DaemonTestSupport.server("rescue", under: root)
        let newcomer = try DaemonTestSupport.server("newcomer", under: root)
        defer {
            cluster.stopAll()
            rescue.stop()
            newcomer.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        for i in 0..<50 {
            let r = cluster.members[i % 3].cli("kv", "put", "machines/m\(i)", "rack-\(i % 7)")
            #expect(r.code == 0, "\(r.stderr)")
        }
        let follower = try #require(try DaemonTestSupport.followers(cluster).first)
        let backup = root + "/backup.db"
        let saved = follower.cli("snapshot", "save", backup, "-o", "json")
        #expect(saved.code == 0, "\(saved.stderr)")
        let bytes = try #require((saved.json["bytes"] as? NSNumber)?.intValue)
        #expect(bytes > 0 && (saved.json["revision"] as? NSNumber)?.intValue ?? 0 >= 50)
        #expect((try FileManager.default.attributesOfItem(atPath: backup)[.size] as? NSNumber)?.intValue == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).allSatisfy { !$0.contains(".partial-") })
        let download = follower.auditEntries("--action", "backup.download").first
        #expect(
            download?["detail"] as? String == "\(bytes) of \(bytes) bytes sent" && download?["outcome"] as? String == "ok"
                && download?["member"] as? String == follower.name, "\(follower.auditEntries())")

        // The backup's CA key opens with the cluster's key-encryption key, kept apart from it.
        let kek = follower.dataDir + "/tls/kek"
        try Self.refusals(backup: backup, root: root, occupied: cluster.members[0].dataDir, kek: kek)

        let restored = ServerProcess.run([
            "snapshot", "restore", backup, "--kek", kek, "--name", "rescue", "--data-dir", rescue.dataDir,
            "--advertise-address", "127.0.0.1", "--peer-port", "\(rescue.peerPort)", "-o", "json",
        ])
        #expect(restored.code == 0, "\(restored.stderr)")
        #expect(restored.json["member"] as? String == "rescue")
        try await rescue.start()
        try await poll("the restored member to lead", seconds: DaemonTestSupport.waitSeconds) { rescue.status()?["leader"] as? String == "rescue" }
        #expect(rescue.cli("kv", "get", "machines/m49").stdout == "rack-0\n")
        #expect(rescue.cli("kv", "list", "machines/", "-o", "json").stdout.components(separatedBy: "\"key\"").count - 1 == 50)
        let members = (rescue.status()?["members"] as? [[String: Any]]) ?? []
        #expect(members.map { $0["name"] as? String } == ["rescue"])
        #expect(rescue.status()?["cluster"] as? String != cluster.members[0].status()?["cluster"] as? String)

        // The restored cluster admits a member with a token; it receives the restored data.
        try await newcomer.start()
        let token = rescue.cli("token", "create", "newcomer")
        #expect(token.code == 0, "\(token.stderr)")
        let joined = newcomer.cli("join", token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(joined.code == 0, "\(joined.stderr)")
        try await poll("the newcomer to vote", seconds: DaemonTestSupport.waitSeconds) {
            (rescue.status()?["members"] as? [[String: Any]] ?? []).filter { $0["role"] as? String == "voter" }.count == 2
        }
        #expect(newcomer.cli("kv", "get", "machines/m7").stdout == "rack-0\n")
        #expect(newcomer.cli("kv", "put", "after-restore", "yes").code == 0)
        #expect(rescue.cli("kv", "get", "after-restore").stdout == "yes\n")
    }

    /// A damaged file, a file that is not a backup, and a data directory in use are refused
    /// with messages that say so, and leave nothing behind.
    static func refusals(backup: String, root: String, occupied: String, kek: String) throws {
        var damaged = try Data(contentsOf: URL(fileURLWithPath: backup))
        // Every b-tree page after the first gets an invalid page type (SQLite file format §1.6).
        let pageSize = max(512, Int(damaged[16]) << 8 | Int(damaged[17]))
        for page in stride(from: pageSize, to: damaged.count, by: pageSize) { damaged[page] = 0x7F }
        try damaged.write(to: URL(fileURLWithPath: root + "/damaged.db"))
        try Data("not a database at all".utf8).write(to: URL(fileURLWithPath: root + "/text.db"))
        try damaged.prefix(damaged.count / 2).write(to: URL(fileURLWithPath: root + "/truncated.db"))
        for (file, words) in [("damaged.db", "damaged"), ("text.db", "not a Kiban backup"), ("truncated.db", "damaged")] {
            let target = root + "/restore-\(file)"
            let r = ServerProcess.run(["snapshot", "restore", root + "/" + file, "--kek", kek, "--name", "x", "--data-dir", target])
            #expect(r.code != 0)
            #expect(r.stderr.contains(words), "\(file): \(r.stderr)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
            #expect(left.isEmpty, "\(file) left \(left)")
        }
        let busy = ServerProcess.run(["snapshot", "restore", backup, "--kek", kek, "--name", "x", "--data-dir", occupied])
        #expect(busy.code != 0 && busy.stderr.contains("not empty"), "\(busy.stderr)")
    }
}

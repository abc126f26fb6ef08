import Foundation
import KibanRaft
import KibanStore
import KibanTestSupport
import Testing

/// `Store.backup(to:)` and `SnapshotRestore`, on real SQLite files.
@Suite("Backups and restore")
struct BackupRestoreTests {
    @Test("A backup restores into a one-member group that keeps the keys, applies the local fixes and hands the state to a new member")
    func restore() async throws {
        let cluster = try await TestCluster(size: 3)
        defer { Task { await cluster.stopAll() } }
        let leader = try await cluster.leader()
        for i in 0..<30 { try await cluster[leader].put(Array("k\(i)".utf8), Array("v\(i)".utf8)) }
        let follower = cluster.followers(of: leader)[0]
        let backup = cluster.dir.file("backup.db")
        let info = try await cluster[follower].backup(to: backup)
        #expect(info.revision >= 30 && info.appliedIndex > 0)
        #expect((try FileManager.default.attributesOfItem(atPath: backup)[.size] as? NSNumber)?.int64Value == info.bytes)

        let target = cluster.dir.file("restored")
        let restore = try SnapshotRestore(backup: backup, into: target)
        #expect(restore.revision == info.revision && restore.appliedIndex == info.appliedIndex)
        #expect(try restore.get(Array("k7".utf8))?.value == Array("v7".utf8))
        let fix = Txn(success: [.delete(.key(Array("k0".utf8))), .put(key: Array("restored".utf8), value: Array("yes".utf8), lease: 0)])
        let summary = try restore.commit(fix, member: 40)
        #expect(summary.appliedIndex == info.appliedIndex + 1 && summary.revision == info.revision + 1)
        #expect(throws: StoreError.self) { _ = try SnapshotRestore(backup: backup, into: target) }

        let network = LocalNetwork()
        var options = StoreOptions(id: 40, directory: target)
        options.tickInterval = .milliseconds(10)
        let store = try await Store.open(options, transport: network.transport(for: 40), logger: TestCluster.logger)
        defer { Task { await store.stop() } }
        try await until("the restored member leads") { await store.status.role == .leader }
        #expect(try await store.get(Array("k0".utf8)) == nil)
        #expect(try await store.get(Array("k29".utf8))?.value == Array("v29".utf8))
        #expect(try await store.get(Array("restored".utf8))?.value == Array("yes".utf8))
        #expect(await store.status.conf == ConfState(voters: [40]))

        var joinerOptions = StoreOptions(id: 41, directory: cluster.dir.file("joiner"))
        joinerOptions.tickInterval = .milliseconds(10)
        let joiner = try await Store.open(joinerOptions, transport: network.transport(for: 41), logger: TestCluster.logger)
        defer { Task { await joiner.stop() } }
        try await store.addLearner(41)
        try await until("the new member receives the restored state") {
            (try? await joiner.get(Array("k29".utf8), consistency: .serializable))?.value == Array("v29".utf8)
        }
    }

    @Test("A file that is not a sound backup is refused and leaves nothing behind")
    func refusals() throws {
        let dir = try TemporaryDirectory("kiban-store-test")
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: dir.file("text.db")))
        var header = Array("SQLite format 3\u{0}".utf8)
        header += [UInt8](repeating: 0xAB, count: 8192)
        try Data(header).write(to: URL(fileURLWithPath: dir.file("garbage.db")))
        for name in ["text.db", "garbage.db", "missing.db"] {
            let target = dir.file("into-\(name)")
            #expect(throws: StoreError.self) { _ = try SnapshotRestore(backup: dir.file(name), into: target) }
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).isEmpty)
        }
    }
}

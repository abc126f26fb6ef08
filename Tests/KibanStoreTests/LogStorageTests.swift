import Foundation
import KibanRaft
import KibanTestSupport
import Testing

@testable import KibanStore

@Suite("Log storage")
struct LogStorageTests {
    @Test("A bootstrapped log starts with a snapshot at index 1, term 1", arguments: LogBackend.allCases)
    func bootstrap(backend: LogBackend) throws {
        let log = try LogUnderTest(backend, bootstrap: ConfState(voters: [1, 2, 3]))
        let (hs, conf) = try log.storage.initialState()
        #expect(hs == HardState(term: 1, vote: 0, commit: 1))
        #expect(conf.voters == [1, 2, 3])
        #expect(try log.storage.firstIndex() == 2)
        #expect(try log.storage.lastIndex() == 1)
        #expect(try log.storage.term(1) == 1)
        #expect(throws: StorageError.compacted) { try log.storage.term(0) }
    }

    @Test("Appending a conflicting suffix truncates the old one", arguments: LogBackend.allCases)
    func truncation(backend: LogBackend) throws {
        let log = try LogUnderTest(backend, bootstrap: ConfState(voters: [1]))
        try log.append(entries(2...6, term: 1))
        try log.append(entries(4...5, term: 2))
        #expect(try log.storage.lastIndex() == 5)
        #expect(try log.storage.term(3) == 1)
        #expect(try log.storage.term(4) == 2)
        #expect(throws: StorageError.unavailable) { try log.storage.term(6) }
        let got = try log.storage.entries(2, 6, maxBytes: .max)
        #expect(got.map(\.index) == [2, 3, 4, 5])
        #expect(got.last?.data == Array("e5".utf8))
    }

    @Test("Entries are limited by size but at least one is returned", arguments: LogBackend.allCases)
    func sizeLimit(backend: LogBackend) throws {
        let log = try LogUnderTest(backend, bootstrap: ConfState(voters: [1]))
        try log.append(entries(2...10, term: 1))
        #expect(try log.storage.entries(2, 11, maxBytes: 0).count == 1)
        #expect(try log.storage.entries(2, 11, maxBytes: 3 * 26).count == 3)
        #expect(throws: StorageError.unavailable) { try log.storage.entries(2, 12, maxBytes: .max) }
        #expect(throws: StorageError.compacted) { try log.storage.entries(1, 3, maxBytes: .max) }
    }

    @Test("Creating a snapshot compacts the prefix it covers", arguments: LogBackend.allCases)
    func compaction(backend: LogBackend) throws {
        let log = try LogUnderTest(backend, bootstrap: ConfState(voters: [1]))
        try log.append(entries(2...4, term: 1) + entries(5...9, term: 2))
        try log.createSnapshot(index: 6, conf: ConfState(voters: [1, 2]), data: [7, 7])
        #expect(try log.storage.firstIndex() == 7)
        #expect(try log.storage.lastIndex() == 9)
        #expect(try log.storage.term(6) == 2)
        #expect(throws: StorageError.compacted) { try log.storage.entries(6, 8, maxBytes: .max) }
        let snap = try log.storage.snapshot()
        #expect(snap.metadata == SnapshotMetadata(index: 6, term: 2, confState: ConfState(voters: [1, 2])))
        #expect(snap.data == [7, 7])
        #expect(try log.storage.initialState().1.voters == [1, 2])
        // An older snapshot request changes nothing.
        try log.createSnapshot(index: 3, conf: ConfState(voters: [1]), data: [])
        #expect(try log.storage.firstIndex() == 7)
    }

    @Test("A snapshot from the leader replaces the whole log", arguments: LogBackend.allCases)
    func applySnapshot(backend: LogBackend) throws {
        let log = try LogUnderTest(backend)
        try log.append(entries(1...3, term: 1))
        let snap = Snapshot(
            metadata: SnapshotMetadata(index: 20, term: 4, confState: ConfState(voters: [1, 2, 3])),
            data: [1, 2, 3])
        try log.applySnapshot(snap)
        #expect(try log.storage.firstIndex() == 21)
        #expect(try log.storage.lastIndex() == 20)
        #expect(try log.storage.term(20) == 4)
        #expect(try log.storage.snapshot() == snap)
        try log.append(entries(21...22, term: 4))
        #expect(try log.storage.lastIndex() == 22)
    }

    @Test("Everything persisted is there after reopening the file", arguments: LogBackend.allCases)
    func reopen(backend: LogBackend) throws {
        let log = try LogUnderTest(backend, bootstrap: ConfState(voters: [1, 2, 3]))
        try log.append(entries(2...8, term: 3))
        try log.setHardState(HardState(term: 3, vote: 2, commit: 7))
        try log.createSnapshot(index: 4, conf: ConfState(voters: [1, 2, 3]), data: [9])
        let again = try log.reopened()
        #expect(try again.initialState().0 == HardState(term: 3, vote: 2, commit: 7))
        #expect(try again.firstIndex() == 5)
        #expect(try again.lastIndex() == 8)
        #expect(try again.entries(5, 9, maxBytes: .max) == entries(5...8, term: 3))
        #expect(try again.snapshot().data == [9])
    }

    @Test("raft.db runs in WAL mode with synchronous=FULL")
    func durabilityPragmas() throws {
        let dir = try TemporaryDirectory("kiban-store-test")
        let log = try SQLiteLogStorage(path: dir.file("raft.db"))
        #expect(try log.db.integer("PRAGMA synchronous") == 2)
        let st = try log.db.statement("PRAGMA journal_mode")
        #expect(try st.step())
        #expect(st.text(0) == "wal")
        #expect(try log.integrityCheck() == "ok")
        // A commit-only hard state is written without fsync, and FULL is restored afterwards.
        try log.persist(snapshot: nil, entries: [], hardState: HardState(term: 1, vote: 0, commit: 0), sync: false)
        #expect(try log.db.integer("PRAGMA synchronous") == 2)
    }

    @Test("A commit-only hard state never checkpoints (unsynced); the next synced commit does")
    func relaxedCommitDoesNotCheckpoint() throws {
        let dir = try TemporaryDirectory("kiban-store-test")
        let path = dir.file("raft.db")
        let log = try SQLiteLogStorage(path: path, bootstrap: ConfState(voters: [1]))
        // More than SQLite's autocheckpoint threshold (1000 pages) in the WAL, not yet copied.
        try log.db.execute("PRAGMA wal_autocheckpoint=0")
        let big = (2...700).map { Entry(term: 1, index: UInt64($0), data: [UInt8](repeating: 7, count: 6000)) }
        try log.append(big)
        try log.db.execute("PRAGMA wal_autocheckpoint=1000")
        let size = { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        let before = size()
        try log.persist(snapshot: nil, entries: [], hardState: HardState(term: 1, vote: 0, commit: 600), sync: false)
        #expect(size() == before, "a commit without fsync checkpointed into raft.db")
        #expect(try log.db.integer("PRAGMA wal_autocheckpoint") == 1000)
        try log.persist(snapshot: nil, entries: [], hardState: HardState(term: 1, vote: 0, commit: 700))
        #expect(size() > before + 1_000_000, "the synced commit did not checkpoint")
    }

    @Test("One Ready's snapshot, entries and hard state commit in a single transaction")
    func groupCommit() throws {
        let dir = try TemporaryDirectory("kiban-store-test")
        let log = try SQLiteLogStorage(path: dir.file("raft.db"), bootstrap: ConfState(voters: [1]))
        let before = log.db.commitCount
        let snap = Snapshot(metadata: SnapshotMetadata(index: 10, term: 2, confState: ConfState(voters: [1])))
        try log.persist(snapshot: snap, entries: entries(11...74, term: 2), hardState: HardState(term: 2, vote: 1, commit: 74))
        #expect(try log.lastIndex() == 74)
        #expect(log.db.commitCount == before + 1)
        let again = try SQLiteLogStorage(path: dir.file("raft.db"))
        #expect(try again.initialState().0.commit == 74)
        #expect(try again.firstIndex() == 11)
    }

    @Test("A file with a newer schema version is refused with an upgrade message")
    func newerSchema() throws {
        let dir = try TemporaryDirectory("kiban-store-test")
        do {
            let log = try SQLiteLogStorage(path: dir.file("raft.db"))
            try log.db.execute("PRAGMA user_version = 99")
        }
        #expect(throws: StoreError.self) { try SQLiteLogStorage(path: dir.file("raft.db")) }
    }
}

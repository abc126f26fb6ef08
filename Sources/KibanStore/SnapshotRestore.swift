import Foundation
public import KibanRaft

/// Offline restore of a backup into a new one-member group (`kiban snapshot restore`, like
/// `etcdutl snapshot restore`).
///
/// The backup becomes the member's state.db; the caller reads it (``get(_:)``, ``range(_:)``)
/// and then ``commit(_:member:)``s one transaction of local fixes (the new membership), which
/// is applied exactly as a replicated entry would be, at the index after the backup's. raft.db
/// is then written with a snapshot at that index holding the whole state and a configuration of
/// this one voter, so a member that joins later receives the restored data.
///
/// ```swift
/// let restore = try SnapshotRestore(backup: "backup.db", into: "/var/lib/kiban")
/// let ca = try restore.get(Array("/kiban/ca".utf8))
/// let summary = try restore.commit(Txn(success: [...]), member: newID)
/// ```
public final class SnapshotRestore {
    private let machine: StateMachine
    private let directory: String
    private var committed = false

    /// The first bytes of every SQLite database file.
    static let sqliteMagic = Array("SQLite format 3\u{0}".utf8)

    /// Copies `backup` into `directory` (created if missing) and checks it.
    /// - Throws: ``StoreError`` `conflict` when `directory` already holds a store, `corrupt`
    ///   when the file is not a sound backup (nothing is left behind then), `database`.
    public init(backup path: String, into directory: String) throws(StoreError) {
        for name in ["raft.db", "state.db"] where FileManager.default.fileExists(atPath: directory + "/" + name) {
            throw StoreError(.conflict, "\(directory) already holds a store (\(name)); restore into an empty directory")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError(.badRequest, "cannot read \(path): no such file, or no permission")
        }
        let head = (try? handle.read(upToCount: Self.sqliteMagic.count)).map { Array($0) } ?? []
        try? handle.close()
        guard head == Self.sqliteMagic else {
            throw StoreError(.corrupt, "\(path) is not a Kiban backup (not an SQLite database); check the file")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.database, "cannot create \(directory): \(error)")
        }
        let staging = directory + "/state.db.restoring"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.copyItem(atPath: path, toPath: staging)
        } catch {
            throw StoreError(.database, "cannot copy \(path) into \(directory): \(error); check free space")
        }
        let opened: StateMachine
        do throws(StoreError) {
            opened = try StateMachine(path: staging)
            let check = try opened.db.integrityCheck()
            guard check == "ok" else { throw StoreError(.corrupt, "\(path) is damaged (integrity check: \(check)); use another backup") }
            guard opened.appliedIndex > 0 else { throw StoreError(.corrupt, "\(path) has no applied index: it is not a Kiban backup") }
        } catch {
            Self.removeStaging(directory)
            throw StoreError(.corrupt, error.code == .corrupt ? error.message : "\(path) is damaged or not a Kiban backup: \(error.message)")
        }
        machine = opened
        self.directory = directory
    }

    deinit { Self.removeStaging(directory) }

    private static func removeStaging(_ directory: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: directory + "/state.db.restoring" + suffix) }
    }

    /// The backup's revision.
    public var revision: Int64 { machine.revision }
    /// The backup's applied index.
    public var appliedIndex: UInt64 { machine.appliedIndex }

    /// The current record of `key` in the backup.
    public func get(_ key: [UInt8]) throws(StoreError) -> KeyValue? { try range(.key(key)).first }

    /// The keys in `range` in the backup.
    public func range(_ range: KeyRange) throws(StoreError) -> [KeyValue] { try machine.range(range, limit: 0).0 }

    /// Applies `changes` and writes raft.db for a group whose only voter is `member`.
    /// - Throws: ``StoreError`` `database`; `badRequest` when `changes` fails its compares.
    public func commit(_ changes: Txn, member: NodeID) throws(StoreError) -> BackupInfo {
        precondition(!committed, "a restore commits once")
        let index = machine.appliedIndex + 1
        let proposal = Proposal(client: UInt64.random(in: 1...UInt64.max), sequence: 1, acknowledgedBelow: 0, command: .txn(changes))
        let applied = try machine.apply([Entry(term: 1, index: index, kind: .normal, data: proposal.encoded())])
        guard case .txn(let result)? = applied.first?.result, result.succeeded else {
            throw StoreError(.badRequest, "the restore's changes did not apply: \(String(describing: applied.first?.result))")
        }
        let data = try machine.snapshotData()
        let state = directory + "/state.db"
        try StateMachine.writeSynced(data, to: state + ".tmp")
        guard rename(state + ".tmp", state) == 0 else { throw StoreError(.database, "cannot rename \(state).tmp to \(state): errno \(errno)") }
        committed = true
        let log = try SQLiteLogStorage(path: directory + "/raft.db")
        let conf = ConfState(voters: [member])
        try log.persist(
            snapshot: Snapshot(metadata: SnapshotMetadata(index: index, term: 1, confState: conf), data: data),
            entries: [], hardState: HardState(term: 1, vote: 0, commit: index))
        return BackupInfo(bytes: Int64(data.count), revision: machine.revision, appliedIndex: index)
    }
}

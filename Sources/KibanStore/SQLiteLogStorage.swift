import Foundation
public import KibanRaft

/// Raft's log, hard state and latest snapshot in `raft.db` (SQLite, WAL, `synchronous=FULL`).
///
/// The durable counterpart of ``KibanRaft/MemoryStorage``, with the same semantics (the tests
/// run one behavioural body against both). ``persist(snapshot:entries:hardState:)`` writes
/// everything one ``KibanRaft/Ready`` asks for in one transaction, so one fsync covers every
/// proposal batched into that Ready (group commit). Tables: see `docs/schema.md`.
///
/// Not thread-safe: the store's single task owns it, as it owns the ``KibanRaft/RawNode``.
public final class SQLiteLogStorage: LogStorage {
    /// The schema version this code writes; older files are migrated forward on open.
    public static let schemaVersion: Int64 = 1
    let db: SQLiteDatabase
    /// Cached copies of what is on disk, refreshed after each write.
    var hardStateValue = HardState()
    var snapshotMetadata = SnapshotMetadata()
    var last: UInt64 = 0

    /// Opens (or creates) the log at `path`. A new file is empty (a member waiting to be added)
    /// unless `bootstrap` is given: then it holds a snapshot at index 1, term 1 with that
    /// configuration, like ``KibanRaft/MemoryStorage/init(bootstrap:)``. An existing file keeps
    /// its content and `bootstrap` is ignored. `synchronous` stays `.full` but in the power-loss
    /// test's unsafe variant (``StoreOptions/unsafeSkipFsyncForTests``).
    /// - Throws: ``StoreError`` `database` or `corrupt`.
    public convenience init(path: String, bootstrap: ConfState? = nil) throws(StoreError) {
        try self.init(path: path, bootstrap: bootstrap, synchronous: .full)
    }

    package init(path: String, bootstrap: ConfState?, synchronous: SQLiteDatabase.Synchronous) throws(StoreError) {
        db = try SQLiteDatabase(path: path, synchronous: synchronous)
        try LogSchema.migrate(db)
        try reload()
        if let conf = bootstrap, snapshotMetadata.index == 0, last == 0, hardStateValue.isEmpty {
            precondition(!conf.voters.isEmpty, "a new group needs at least one voter")
            try persist(
                snapshot: Snapshot(metadata: SnapshotMetadata(index: 1, term: 1, confState: conf)),
                entries: [], hardState: HardState(term: 1, vote: 0, commit: 1))
        }
    }

    /// The persisted hard state and the configuration of the latest snapshot (cached).
    public func initialState() throws(StorageError) -> (HardState, ConfState) {
        (hardStateValue, snapshotMetadata.confState)
    }

    /// Entries in `lo..<hi` read from raft.db, at most `maxBytes` but at least one.
    public func entries(_ lo: UInt64, _ hi: UInt64, maxBytes: Int) throws(StorageError) -> [Entry] {
        guard lo > snapshotMetadata.index else { throw .compacted }
        guard hi <= last + 1 else { throw .unavailable }
        guard lo < hi else { return [] }
        return try wrap { () throws(StoreError) in
            let st = try db.statement("SELECT idx, term, kind, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx")
            st.bind(.u(lo), .u(hi))
            var out: [Entry] = []
            var total = 0
            while try st.step() {
                let e = Entry(
                    term: st.uint64(1), index: st.uint64(0),
                    kind: EntryKind(rawValue: UInt8(truncatingIfNeeded: st.int64(2))) ?? .normal,
                    data: st.blob(3))
                total += e.sizeBytes
                // Always at least one entry, as LogStorage requires.
                if !out.isEmpty && total > maxBytes { break }
                out.append(e)
            }
            guard out.count == Int(hi - lo) || total > maxBytes else {
                throw StoreError(.corrupt, "raft.db lacks entries in \(lo)..<\(hi)")
            }
            return out
        }
    }

    /// The term of entry `index` (the snapshot's term at its index).
    public func term(_ index: UInt64) throws(StorageError) -> UInt64 {
        if index == snapshotMetadata.index { return snapshotMetadata.term }
        guard index > snapshotMetadata.index else { throw .compacted }
        guard index <= last else { throw .unavailable }
        return try wrap { () throws(StoreError) in
            let st = try db.statement("SELECT term FROM entries WHERE idx = ?")
            st.bind(.u(index))
            guard try st.step() else { throw StoreError(.corrupt, "raft.db lacks entry \(index)") }
            return st.uint64(0)
        }
    }

    /// The snapshot index + 1.
    public func firstIndex() throws(StorageError) -> UInt64 { snapshotMetadata.index + 1 }

    /// The last stored index (the snapshot index when the log is empty).
    public func lastIndex() throws(StorageError) -> UInt64 { last }

    /// The latest snapshot with its data, read from raft.db.
    public func snapshot() throws(StorageError) -> Snapshot {
        try wrap { () throws(StoreError) in
            let st = try db.statement("SELECT data FROM snapshot WHERE id = 1")
            let data = try st.step() ? st.blob(0) : []
            return Snapshot(metadata: snapshotMetadata, data: data)
        }
    }

    /// The persisted hard state.
    public var hardState: HardState { hardStateValue }

    /// The integrity check of raft.db: "ok" when sound.
    public func integrityCheck() throws(StoreError) -> String { try db.integrityCheck() }

    private func wrap<T>(_ body: () throws(StoreError) -> T) throws(StorageError) -> T {
        do {
            return try body()
        } catch {
            throw .failed(error.description)
        }
    }

    /// Reads the cached values back from the file (at open, and after a failed write).
    func reload() throws(StoreError) {
        hardStateValue = HardState(
            term: try LogSchema.meta(db, "hs_term"),
            vote: try LogSchema.meta(db, "hs_vote"),
            commit: try LogSchema.meta(db, "hs_commit"))
        let st = try db.statement("SELECT idx, term, conf FROM snapshot WHERE id = 1")
        if try st.step() {
            let conf = try ConfStateCodec.decode(st.blob(2))
            snapshotMetadata = SnapshotMetadata(index: st.uint64(0), term: st.uint64(1), confState: conf)
        } else {
            snapshotMetadata = SnapshotMetadata()
        }
        let maxIndex = UInt64(bitPattern: try db.integer("SELECT COALESCE(MAX(idx), 0) FROM entries"))
        last = max(maxIndex, snapshotMetadata.index)
    }
}

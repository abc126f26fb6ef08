import Foundation

/// Snapshots: a consistent copy of the whole of `state.db` (`VACUUM INTO`), and its atomic
/// installation on a member that fell behind the leader's compacted log.
extension StateMachine {
    /// The bytes of a consistent copy of state.db as of ``appliedIndex``.
    func snapshotData() throws(StoreError) -> [UInt8] {
        let out = db.path + ".snapshot-out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try copy(to: out)
        guard let data = FileManager.default.contents(atPath: out) else {
            throw StoreError(.database, "cannot read the snapshot copy \(out); check free space")
        }
        return Array(data)
    }

    /// Writes a consistent copy of state.db as of ``appliedIndex`` to `path` (replaced if it
    /// exists): `VACUUM INTO`, which also drops free pages.
    func copy(to path: String) throws(StoreError) {
        try? FileManager.default.removeItem(atPath: path)
        db.resetAll()
        try db.execute("VACUUM INTO '\(path.replacingOccurrences(of: "'", with: "''"))'")
    }

    /// Replaces state.db by a snapshot's bytes: written beside it, fsynced, renamed over it
    /// (atomic), then reopened. raft.db keeps the same bytes, so a crash in between is repaired
    /// at the next start by installing again.
    func install(_ data: [UInt8], at index: UInt64) throws(StoreError) {
        let path = db.path
        let incoming = path + ".snapshot-in"
        try Self.writeSynced(data, to: incoming)
        // Close the old connection before its files are replaced.
        db = try SQLiteDatabase(path: ":memory:")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        guard rename(incoming, path) == 0 else {
            throw StoreError(.database, "cannot rename \(incoming) over \(path): errno \(errno)")
        }
        db = try SQLiteDatabase(path: path, synchronous: .normal)
        try Migrator.migrate(db, file: "state.db", migrations: StateSchema.migrations)
        try loadMeta()
        // The bootstrap snapshot has no image: the empty state at its index.
        if appliedIndex < index { try markApplied(index) }
    }
}

extension StateMachine {
    /// Writes `data` to `path` (replaced if it exists) and fsyncs it.
    static func writeSynced(_ data: [UInt8], to path: String) throws(StoreError) {
        do {
            try Data(data).write(to: URL(fileURLWithPath: path))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.synchronize()
            try handle.close()
        } catch {
            throw StoreError(.database, "cannot write \(path): \(error); check free space")
        }
    }

    /// Records that the state at `index` is the empty state (a bootstrap snapshot).
    func markApplied(_ index: UInt64) throws(StoreError) {
        try db.transaction { () throws(StoreError) in try setMeta("applied_index", Int64(index)) }
        appliedIndex = index
    }
}

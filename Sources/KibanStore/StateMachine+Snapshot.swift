import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Snapshots: a consistent copy of the whole of `state.db` (`VACUUM INTO`), and its atomic
/// installation on a member that fell behind the leader's compacted log.
extension StateMachine {
    /// The bytes of a consistent copy of state.db as of ``appliedIndex``.
    func snapshotData() throws(StoreError) -> [UInt8] {
        let out = db.path + ".snapshot-out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try copy(to: out)
        guard let data = FileBytes.read(out) else {
            throw StoreError(.database, "cannot read the snapshot copy \(out): \(String(cString: strerror(errno))); check free space")
        }
        return data
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
        let synchronous = db.synchronous
        let incoming = path + ".snapshot-in"
        try Self.writeSynced(data, to: incoming)
        // Close the old connection before its files are replaced.
        db = try SQLiteDatabase(path: ":memory:")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        guard rename(incoming, path) == 0 else {
            throw StoreError(.database, "cannot rename \(incoming) over \(path): errno \(errno)")
        }
        db = try SQLiteDatabase(path: path, synchronous: synchronous)
        try Migrator.migrate(db, file: "state.db", migrations: StateSchema.migrations)
        try loadMeta()
        // The bootstrap snapshot has no image: the empty state at its index.
        if appliedIndex < index { try markApplied(index) }
    }
}

extension StateMachine {
    /// Writes `data` to `path` (replaced if it exists, mode 0600) and fsyncs it, from the
    /// caller's buffer: no second copy of a snapshot is made in memory.
    static func writeSynced(_ data: [UInt8], to path: String) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError(.database, "cannot write \(path): \(String(cString: strerror(errno))); check free space") }
        defer { close(fd) }
        let failure: Int32 = data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return n < 0 ? errno : EIO }
                offset += n
            }
            return fsync(fd) == 0 ? 0 : errno
        }
        guard failure == 0 else {
            throw StoreError(.database, "cannot write \(path): \(String(cString: strerror(failure))); check free space")
        }
    }

    /// Records that the state at `index` is the empty state (a bootstrap snapshot).
    func markApplied(_ index: UInt64) throws(StoreError) {
        try db.transaction { () throws(StoreError) in try setMeta("applied_index", Int64(index)) }
        appliedIndex = index
    }
}

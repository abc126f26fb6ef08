import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// One SQLite connection, used by one owner at a time (the store's single task).
///
/// Opened in WAL mode with `synchronous=FULL` by default: a COMMIT returns only after the WAL is
/// fsynced, so anything committed survives a power cut. Statements are prepared once and cached
/// by SQL text.
package final class SQLiteDatabase {
    let handle: OpaquePointer
    /// The file this connection opened.
    package let path: String
    /// The durability level it was opened with.
    package let synchronous: Synchronous
    private var statements: [String: SQLiteStatement] = [:]
    private let commits = CommitCounter()

    /// How much a COMMIT waits for the disk.
    package enum Synchronous: String {
        /// fsync at every commit: a committed transaction survives a power cut.
        case full = "FULL"
        /// fsync at checkpoints only: a power cut may lose the last commits, never consistency.
        case normal = "NORMAL"
        /// UNSAFE, never fsync: a power cut may lose committed transactions. Only for the
        /// power-loss test's proof that it catches a store that skips its fsyncs.
        case off = "OFF"
    }

    /// Opens (creating if needed) the database at `path` and sets the durability pragmas.
    /// - Throws: ``StoreError`` `database` when the file cannot be opened.
    package init(path: String, synchronous: Synchronous = .full) throws(StoreError) {
        // Created 0600 whatever the umask: SQLite creates files 0644 less the umask, and gives
        // the -wal and -shm files the database file's mode. (Not for an in-memory database.)
        if !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") {
            let created = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
            if created >= 0 { close(created) }
        }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError(.database, "cannot open \(path): \(message); check the data directory's permissions and free space")
        }
        handle = db
        self.path = path
        self.synchronous = synchronous
        // Another connection to the file (a member being restarted in the same process, a
        // `kiban snapshot save`) may hold a lock for a moment: wait for it instead of failing.
        sqlite3_busy_timeout(db, 10_000)
        // The order matters: journal_mode first, then synchronous (see docs/schema.md).
        try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=\(synchronous.rawValue); PRAGMA foreign_keys=OFF")
        // SQLite calls the hook on this connection's thread; the counter lives as long as `self`.
        sqlite3_commit_hook(
            db,
            { context in
                guard let context else { return 0 }
                Unmanaged<CommitCounter>.fromOpaque(context).takeUnretainedValue().value += 1
                return 0
            }, Unmanaged.passUnretained(commits).toOpaque())
    }

    /// Transactions committed through this connection (each one fsync under synchronous=FULL).
    package var commitCount: Int { commits.value }

    deinit {
        statements.removeAll()
        sqlite3_commit_hook(handle, nil, nil)
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements without results.
    package func execute(_ sql: String) throws(StoreError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql) }
    }

    /// The cached prepared statement for `sql`, reset and with no bindings.
    package func statement(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw error(rc, sql) }
        let st = SQLiteStatement(raw, database: self)
        statements[sql] = st
        return st
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE` … `COMMIT`), rolling back when
    /// it throws. One transaction is one fsync: callers batch work into it.
    package func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        // Statements left on a row hold a read snapshot; none is stepped further, so end them.
        resetAll()
        try execute("BEGIN IMMEDIATE")
        defer { resetAll() }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Ends every cached statement's execution: a statement left on a row holds a read snapshot,
    /// which blocks `VACUUM` and keeps WAL checkpoints from completing.
    package func resetAll() {
        for st in statements.values { st.reset() }
    }

    /// The single integer a query returns (0 when no row).
    package func integer(_ sql: String) throws(StoreError) -> Int64 {
        let st = try statement(sql)
        return try st.step() ? st.int64(0) : 0
    }

    /// The rows of `PRAGMA integrity_check` joined: "ok" for a sound file.
    package func integrityCheck() throws(StoreError) -> String {
        let st = try statement("PRAGMA integrity_check")
        var lines: [String] = []
        while try st.step() { lines.append(st.text(0)) }
        return lines.joined(separator: "\n")
    }

    func error(_ rc: Int32, _ context: String) -> StoreError {
        let message = String(cString: sqlite3_errmsg(handle))
        return StoreError(.database, "SQLite error \(rc) in \(path) (\(context.prefix(60))): \(message)")
    }
}

/// Counts commits seen by SQLite's commit hook.
private final class CommitCounter {
    var value = 0
}

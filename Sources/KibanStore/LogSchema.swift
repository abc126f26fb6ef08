import Foundation
import KibanRaft

/// The tables of `raft.db` and their forward-only migrations (documented in docs/schema.md).
enum LogSchema {
    /// Migration `n` takes a file from schema version `n` to `n + 1`. Append only; never edit.
    static let migrations: [String] = [
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE entries(idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, kind INTEGER NOT NULL,
                             data BLOB NOT NULL);
        CREATE TABLE snapshot(id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL,
                              term INTEGER NOT NULL, conf BLOB NOT NULL, data BLOB NOT NULL);
        """
    ]

    static func migrate(_ db: SQLiteDatabase) throws(StoreError) {
        try Migrator.migrate(db, file: "raft.db", migrations: migrations)
    }

    static func meta(_ db: SQLiteDatabase, _ key: String) throws(StoreError) -> UInt64 {
        let st = try db.statement("SELECT value FROM meta WHERE key = ?")
        st.bind(.blob(Array(key.utf8)))
        return try st.step() ? st.uint64(0) : 0
    }

    static func setMeta(_ db: SQLiteDatabase, _ key: String, _ value: UInt64) throws(StoreError) {
        try db.statement("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")
            .bind(.blob(Array(key.utf8)), .u(value)).run()
    }
}

/// Applies forward-only migrations, tracking the version in SQLite's `user_version`.
enum Migrator {
    static func migrate(_ db: SQLiteDatabase, file: String, migrations: [String]) throws(StoreError) {
        let version = Int(try db.integer("PRAGMA user_version"))
        guard version <= migrations.count else {
            throw StoreError(.corrupt, "\(file) has schema version \(version), newer than this kiban (\(migrations.count)); upgrade kiban")
        }
        guard version < migrations.count else { return }
        try db.transaction { () throws(StoreError) in
            for sql in migrations[version...] { try db.execute(sql) }
            try db.execute("PRAGMA user_version = \(migrations.count)")
        }
    }
}

/// The bytes of a ``KibanRaft/ConfState`` in raft.db: JSON with sorted member lists.
enum ConfStateCodec {
    private struct Wire: Codable {
        var voters: [UInt64]
        var learners: [UInt64]
    }

    static func encode(_ conf: ConfState) -> [UInt8] {
        let wire = Wire(voters: conf.voters.sorted(), learners: conf.learners.sorted())
        // Encoding two integer arrays cannot fail.
        return Array((try? JSONEncoder().encode(wire)) ?? Data())
    }

    static func decode(_ bytes: [UInt8]) throws(StoreError) -> ConfState {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(bytes)),
            Set(wire.voters).isDisjoint(with: wire.learners)
        else {
            throw StoreError(.corrupt, "raft.db holds an unreadable configuration; restore from a snapshot")
        }
        return ConfState(voters: Set(wire.voters), learners: Set(wire.learners))
    }
}

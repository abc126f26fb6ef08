/// The tables of `state.db` and their forward-only migrations (documented in docs/schema.md).
enum StateSchema {
    /// Migration `n` takes a file from schema version `n` to `n + 1`. Append only; never edit.
    static let migrations: [String] = [
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB NOT NULL, create_rev INTEGER NOT NULL,
                        mod_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL)
                        WITHOUT ROWID;
        CREATE INDEX kv_lease ON kv(lease) WHERE lease != 0;
        CREATE TABLE history(rev INTEGER NOT NULL, sub INTEGER NOT NULL, key BLOB NOT NULL,
                             deleted INTEGER NOT NULL, value BLOB NOT NULL, create_rev INTEGER NOT NULL,
                             version INTEGER NOT NULL, lease INTEGER NOT NULL, PRIMARY KEY (rev, sub))
                             WITHOUT ROWID;
        CREATE INDEX history_key ON history(key, rev, sub);
        CREATE TABLE leases(id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
        CREATE TABLE requests(client INTEGER NOT NULL, seq INTEGER NOT NULL, result BLOB NOT NULL,
                              idx INTEGER NOT NULL, PRIMARY KEY (client, seq)) WITHOUT ROWID;
        CREATE INDEX requests_idx ON requests(idx);
        """
    ]

    /// The columns of a `kv` row, in the order ``row(_:at:)`` reads them.
    static let kvColumns = "key, value, create_rev, mod_rev, version, lease"

    /// Reads a ``KeyValue`` from six columns starting at `i`.
    static func row(_ st: SQLiteStatement, at i: Int32 = 0) -> KeyValue {
        KeyValue(
            key: st.blob(i), value: st.blob(i + 1), createRevision: st.int64(i + 2),
            modRevision: st.int64(i + 3), version: st.int64(i + 4), lease: st.int64(i + 5))
    }
}

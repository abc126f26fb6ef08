/// Reads: the current keys from `kv`, past revisions and watch events from `history`.
extension StateMachine {
    /// The current record of `key`, or nil.
    func current(_ key: [UInt8]) throws(StoreError) -> KeyValue? {
        let st = try db.statement("SELECT \(StateSchema.kvColumns) FROM kv WHERE key = ?")
        st.bind(.blob(key))
        return try st.step() ? StateSchema.row(st) : nil
    }

    /// Current keys in `range`, in key order, at most `limit` (0: no limit), and whether more matched.
    func range(_ range: KeyRange, limit: Int) throws(StoreError) -> ([KeyValue], Bool) {
        let sql: String
        var values: [SQLiteValue] = [.blob(range.start)]
        switch range.end {
        case nil: sql = "SELECT \(StateSchema.kvColumns) FROM kv WHERE key = ?1 LIMIT ?2"
        case [0]?: sql = "SELECT \(StateSchema.kvColumns) FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?2"
        case let end?:
            sql = "SELECT \(StateSchema.kvColumns) FROM kv WHERE key >= ?1 AND key < ?3 ORDER BY key LIMIT ?2"
            values.append(.blob(end))
        }
        values.insert(.integer(limit > 0 ? Int64(limit) + 1 : -1), at: 1)
        return try collect(sql, values, limit: limit) { StateSchema.row($0) }
    }

    /// Keys in `range` as they were at `revision` (≥ the compact revision), from the history.
    func range(_ range: KeyRange, limit: Int, at revision: Int64) throws(StoreError) -> ([KeyValue], Bool) {
        guard revision >= compactRevision else {
            throw StoreError(.compacted, "revision \(revision) is compacted (history starts at \(compactRevision)); re-read at the current revision")
        }
        guard revision <= self.revision else {
            throw StoreError(.futureRevision, "revision \(revision) is ahead of the store (\(self.revision))")
        }
        // The latest change of each key at or before `revision`, kept when it is a put.
        let (lo, hi) = bounds(range)
        let sql = """
            SELECT h.key, h.value, h.create_rev, h.rev, h.version, h.lease FROM history h
            WHERE h.key >= ?1 AND h.key < ?2 AND h.rev <= ?3 AND h.deleted = 0
              AND NOT EXISTS (SELECT 1 FROM history n WHERE n.key = h.key AND n.rev <= ?3
                              AND (n.rev > h.rev OR (n.rev = h.rev AND n.sub > h.sub)))
            ORDER BY h.key LIMIT ?4
            """
        let values: [SQLiteValue] = [.blob(lo), .blob(hi), .integer(revision), .integer(limit > 0 ? Int64(limit) + 1 : -1)]
        return try collect(sql, values, limit: limit) { StateSchema.row($0) }
    }

    /// Every change to keys in `range` with revision ≥ `from`, in revision order (tests and
    /// small reads; watches page with ``events(in:after:limit:)``).
    func events(in range: KeyRange, from: Int64) throws(StoreError) -> [WatchEvent] {
        try events(in: range, after: .before(from), limit: -1).0
    }

    /// At most `limit` (-1: every) changes to keys in `range` after `position`, in revision order, and
    /// the position of the last one (nil when none). One page of a watch's history: a page
    /// may end inside a transaction, and the next one resumes at the same `(rev, sub)`.
    func events(in range: KeyRange, after position: WatchPosition, limit: Int) throws(StoreError) -> ([WatchEvent], WatchPosition?) {
        let (lo, hi) = bounds(range)
        let sql = """
            SELECT key, value, create_rev, rev, version, lease, deleted, sub FROM history
            WHERE (rev > ?1 OR (rev = ?1 AND sub > ?2)) AND key >= ?3 AND key < ?4
            ORDER BY rev, sub LIMIT ?5
            """
        var last: WatchPosition?
        let values: [SQLiteValue] = [.integer(position.revision), .integer(position.sub), .blob(lo), .blob(hi), .integer(Int64(limit))]
        let (events, _) = try collect(sql, values, limit: 0) { st in
            last = WatchPosition(revision: st.int64(3), sub: st.int64(7))
            return WatchEvent(kind: st.int64(6) == 1 ? .delete : .put, kv: StateSchema.row(st))
        }
        return (events, last)
    }

    /// `[lo, hi)` covering the range; "every key from start" ends past any real key.
    private func bounds(_ range: KeyRange) -> ([UInt8], [UInt8]) {
        switch range.end {
        case nil: return (range.start, range.start + [0])
        case [0]?: return (range.start, [UInt8](repeating: 0xff, count: 4096))
        case let end?: return (range.start, end)
        }
    }

    private func collect<T>(
        _ sql: String, _ values: [SQLiteValue], limit: Int,
        _ row: (SQLiteStatement) -> T
    ) throws(StoreError) -> ([T], Bool) {
        let st = try db.statement(sql)
        st.bind(values)
        var out: [T] = []
        while try st.step() { out.append(row(st)) }
        guard limit > 0, out.count > limit else { return (out, false) }
        return (Array(out.prefix(limit)), true)
    }
}

/// Transactions: compares, then puts, deletes and reads under one new revision (etcd
/// `applierV3.Txn`; a transaction that changes nothing keeps the revision, as in etcd).
extension StateMachine {
    func applyTxn(_ txn: Txn, events: inout [WatchEvent]) throws(StoreError) -> CommandResult {
        var succeeded = true
        for c in txn.compares where !(try holds(c)) {
            succeeded = false
            break
        }
        let ops = succeeded ? txn.success : txn.failure
        // etcd refuses the whole transaction when a put names a lease that does not exist.
        for case .put(_, _, let lease) in ops where lease != 0 {
            guard try leaseExists(lease) else {
                return .failed(StoreError(.leaseNotFound, "lease \(lease) does not exist; grant a new one"))
            }
        }
        let rev = revision + 1
        var sub: Int64 = 0
        var results: [OperationResult] = []
        for op in ops {
            results.append(try execute(op, rev: rev, sub: &sub, events: &events))
        }
        if sub > 0 { revision = rev }
        return .txn(TxnResult(succeeded: succeeded, revision: revision, results: results))
    }

    private func execute(
        _ op: Operation, rev: Int64, sub: inout Int64,
        events: inout [WatchEvent]
    ) throws(StoreError) -> OperationResult {
        switch op {
        case .put(let key, let value, let lease):
            let previous = try current(key)
            let kv = KeyValue(
                key: key, value: value, createRevision: previous?.createRevision ?? rev,
                modRevision: rev, version: (previous?.version ?? 0) + 1, lease: lease)
            try db.statement("INSERT OR REPLACE INTO kv(\(StateSchema.kvColumns)) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(
                    .blob(kv.key), .blob(kv.value), .integer(kv.createRevision), .integer(kv.modRevision),
                    .integer(kv.version), .integer(kv.lease)
                ).run()
            let event = WatchEvent(kind: .put, kv: kv)
            try record(event, sub: &sub)
            events.append(event)
            return .put(previous: previous)
        case .delete(let range):
            let deleted = try deleteRange(range, rev: rev, sub: &sub, events: &events)
            return .delete(deleted: deleted)
        case .range(let range, let limit):
            let (kvs, more) = try self.range(range, limit: limit)
            return .range(kvs: kvs, more: more)
        }
    }

    func deleteRange(
        _ range: KeyRange, rev: Int64, sub: inout Int64,
        events: inout [WatchEvent]
    ) throws(StoreError) -> [KeyValue] {
        let (victims, _) = try self.range(range, limit: 0)
        let st = try db.statement("DELETE FROM kv WHERE key = ?")
        for kv in victims {
            try st.bind(.blob(kv.key)).run()
            st.reset()
            let event = WatchEvent(
                kind: .delete,
                kv: KeyValue(
                    key: kv.key, value: [], createRevision: 0,
                    modRevision: rev, version: 0, lease: 0))
            try record(event, sub: &sub)
            events.append(event)
        }
        return victims
    }

    /// Appends a change to the history that watches and past-revision reads use.
    private func record(_ e: WatchEvent, sub: inout Int64) throws(StoreError) {
        try db.statement(
            """
            INSERT INTO history(rev, sub, key, deleted, value, create_rev, version, lease)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).bind(
            .integer(e.kv.modRevision), .integer(sub), .blob(e.kv.key), .integer(e.kind.rawValue),
            .blob(e.kv.value), .integer(e.kv.createRevision), .integer(e.kv.version),
            .integer(e.kv.lease)
        ).run()
        sub += 1
    }

    private func holds(_ c: Compare) throws(StoreError) -> Bool {
        let kv = try current(c.key)
        func order<T: Comparable>(_ a: T, _ b: T) -> Bool {
            switch c.relation {
            case .equal: return a == b
            case .notEqual: return a != b
            case .less: return a < b
            case .greater: return a > b
            }
        }
        switch c.target {
        case .value(let v):
            let have = kv?.value ?? []
            switch c.relation {
            case .equal: return have == v
            case .notEqual: return have != v
            case .less: return have.lexicographicallyPrecedes(v)
            case .greater: return v.lexicographicallyPrecedes(have)
            }
        case .version(let n): return order(kv?.version ?? 0, n)
        case .createRevision(let n): return order(kv?.createRevision ?? 0, n)
        case .modRevision(let n): return order(kv?.modRevision ?? 0, n)
        }
    }
}

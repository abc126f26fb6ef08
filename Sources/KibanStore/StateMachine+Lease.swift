/// Leases and compaction. A lease is only an id and a TTL here: when it expires is the leader's
/// decision (made on its clock), replicated as a ``Command/leaseRevoke(id:expired:)`` entry, so
/// every member deletes the same keys at the same log index (etcd's lessor works the same way).
extension StateMachine {
    func leaseExists(_ id: Int64) throws(StoreError) -> Bool {
        let st = try db.statement("SELECT 1 FROM leases WHERE id = ?")
        st.bind(.integer(id))
        return try st.step()
    }

    /// Every lease and its TTL in seconds (a new leader restarts their clocks from these).
    func leases() throws(StoreError) -> [Int64: Int64] {
        let st = try db.statement("SELECT id, ttl FROM leases")
        var out: [Int64: Int64] = [:]
        while try st.step() { out[st.int64(0)] = st.int64(1) }
        return out
    }

    func grantLease(id: Int64, ttlSeconds: Int64) throws(StoreError) -> CommandResult {
        guard ttlSeconds > 0 else { return .failed(StoreError(.badRequest, "a lease needs a positive TTL")) }
        guard !(try leaseExists(id)) else {
            return .failed(StoreError(.badRequest, "lease \(id) already exists; pick another id or let the store choose"))
        }
        try db.statement("INSERT INTO leases(id, ttl) VALUES (?, ?)").bind(.integer(id), .integer(ttlSeconds)).run()
        return .leaseGranted(id: id, ttlSeconds: ttlSeconds)
    }

    func revokeLease(id: Int64, events: inout [WatchEvent]) throws(StoreError) -> CommandResult {
        guard try leaseExists(id) else {
            return .failed(StoreError(.leaseNotFound, "lease \(id) does not exist (expired or revoked)"))
        }
        let st = try db.statement("SELECT key FROM kv WHERE lease = ? ORDER BY key")
        st.bind(.integer(id))
        var keys: [[UInt8]] = []
        while try st.step() { keys.append(st.blob(0)) }
        let rev = revision + 1
        var sub: Int64 = 0
        for key in keys {
            _ = try deleteRange(.key(key), rev: rev, sub: &sub, events: &events)
        }
        if sub > 0 { revision = rev }
        try db.statement("DELETE FROM leases WHERE id = ?").bind(.integer(id)).run()
        return .leaseRevoked(revision: revision)
    }

    /// Drops history before `rev`, keeping for each key its latest change at or before `rev`
    /// when that is a put, so reads at any revision ≥ `rev` still work (etcd `Compact`).
    func compact(_ rev: Int64) throws(StoreError) -> CommandResult {
        guard rev > compactRevision else {
            return .failed(StoreError(.compacted, "revision \(rev) is already compacted (at \(compactRevision))"))
        }
        guard rev <= revision else {
            return .failed(StoreError(.futureRevision, "cannot compact at \(rev), ahead of the store (\(revision))"))
        }
        try db.statement(
            """
            DELETE FROM history WHERE rev < ?1 AND (deleted = 1 OR EXISTS (
                SELECT 1 FROM history n WHERE n.key = history.key AND n.rev <= ?1
                AND (n.rev > history.rev OR (n.rev = history.rev AND n.sub > history.sub))))
            """
        ).bind(.integer(rev)).run()
        compactRevision = rev
        return .compacted(revision: rev)
    }
}

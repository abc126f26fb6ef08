import Foundation

/// Moving audit records of an older format into the one log (``AuditLog``), once.
extension Store {
    /// Moves every record under `prefix` into the audit log: `convert` turns each into an entry,
    /// and each batch puts the entries and deletes the old keys in one transaction that compares
    /// the old keys' revisions, so two members migrating at once move each record once. Returns
    /// how many records moved.
    @discardableResult
    public func migrateAudit(from prefix: [UInt8], convert: @Sendable (KeyValue) -> AuditEntry) async throws(StoreError) -> Int {
        var moved = 0
        for _ in 0..<Self.auditMigrationBatchesMax {
            let read = try await range(.prefix(prefix), limit: Self.auditMigrationBatchKeys)
            guard !read.kvs.isEmpty else { break }
            var puts: [Operation] = []
            for kv in read.kvs { puts.append(try AuditLog.put(convert(kv))) }
            let result = try await txn(
                Txn(
                    compares: read.kvs.map { Compare($0.key, .equal, .modRevision($0.modRevision)) },
                    success: puts + read.kvs.map { .delete(.key($0.key)) }))
            if result.succeeded { moved += read.kvs.count }
        }
        return moved
    }

    /// Moves an older retention setting at `key` to ``AuditLog/retentionKey`` unless one is set.
    public func migrateAuditRetention(from key: [UInt8]) async throws(StoreError) {
        guard let old = try await get(key) else { return }
        _ = try await txn(
            Txn(
                compares: [
                    Compare(AuditLog.retentionKey, .equal, .version(0)),
                    Compare(key, .equal, .modRevision(old.modRevision)),
                ],
                success: [.put(key: AuditLog.retentionKey, value: old.value, lease: 0), .delete(.key(key))],
                failure: [.delete(.key(key))]))
    }

    /// Records one migration transaction moves: well under the proposal limit.
    static var auditMigrationBatchKeys: Int { 500 }
    /// Batches one migration runs (a million records); the next start goes on.
    static var auditMigrationBatchesMax: Int { 2_000 }
}

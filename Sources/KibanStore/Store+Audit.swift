public import Foundation

/// Reading and pruning the audit log (``AuditLog``).
extension Store {
    /// One page of entries that match `query`, oldest first. Scans at most
    /// ``AuditLog/pageScanKeysMax`` keys, so a filter that matches little still answers quickly,
    /// with a cursor to go on from. Linearizable.
    /// - Throws: ``StoreError`` `badRequest` for an unreadable entry, and the read's errors.
    public func auditLog(_ query: AuditQuery) async throws(StoreError) -> AuditPage {
        var range = query.keys
        var entries: [AuditEntry] = []
        var scanned = 0
        while true {
            let chunk = min(query.limit - entries.count, AuditLog.pageScanKeysMax - scanned)
            let read = try await self.range(range, limit: chunk)
            scanned += read.kvs.count
            for kv in read.kvs {
                let entry = try AuditLog.entry(kv)
                if query.matches(entry) { entries.append(entry) }
            }
            guard read.more, let last = read.kvs.last else { return AuditPage(entries: entries, next: nil) }
            if entries.count >= query.limit || scanned >= AuditLog.pageScanKeysMax {
                return AuditPage(entries: entries, next: String(decoding: last.key.dropFirst(AuditLog.prefix.count), as: UTF8.self))
            }
            range.start = last.key + [0]
        }
    }

    /// Deletes the entries older than `retention` before `now`, every subsystem's alike, in
    /// batches of ``auditPruneBatchKeys`` keys; returns how many were deleted. The deletes go
    /// through the log, so run it on one member (the daemon's leader).
    @discardableResult
    public func pruneAuditLog(now: Date, retention: TimeInterval) async throws(StoreError) -> Int {
        let end = AuditLog.start(now.addingTimeInterval(-retention))
        var deleted = 0
        for _ in 0..<Self.auditPruneBatchesMax {
            let read = try await range(KeyRange(start: AuditLog.prefix, end: end), limit: Self.auditPruneBatchKeys)
            guard let last = read.kvs.last else { break }
            deleted += try await delete(KeyRange(start: AuditLog.prefix, end: last.key + [0])).count
        }
        return deleted
    }

    /// Keys one pruning transaction deletes.
    static var auditPruneBatchKeys: Int { 2_000 }
    /// Batches one call to ``pruneAuditLog(now:retention:)`` runs; the next call goes on.
    static var auditPruneBatchesMax: Int { 500 }

    /// The audit retention of the cluster, or ``AuditLog/retentionDefaultSeconds``.
    /// - Throws: ``StoreError`` `badRequest` when the stored value is not a number of seconds.
    public func auditRetention() async throws(StoreError) -> TimeInterval {
        guard let kv = try await get(AuditLog.retentionKey) else { return AuditLog.retentionDefaultSeconds }
        guard let seconds = TimeInterval(String(decoding: kv.value, as: UTF8.self)),
            AuditLog.retentionSeconds.contains(seconds)
        else {
            throw StoreError(.badRequest, "the audit retention in the store is not a number of seconds; set it again with kiban audit set-retention")
        }
        return seconds
    }

    /// Sets the audit retention, writing `entry` in the same transaction; returns the revision.
    /// - Throws: ``StoreError`` `badRequest` when `seconds` is not a whole number in
    ///   ``AuditLog/retentionSeconds``.
    @discardableResult
    public func setAuditRetention(_ seconds: TimeInterval, entry: AuditEntry) async throws(StoreError) -> Int64 {
        guard AuditLog.retentionSeconds.contains(seconds), seconds.rounded() == seconds else {
            throw StoreError(.badRequest, "an audit retention is a whole number of seconds from 1 s to 3650 days; \(seconds) is not")
        }
        let value = Array(String(Int64(seconds)).utf8)
        return try await txn(Txn(success: [.put(key: AuditLog.retentionKey, value: value, lease: 0), try AuditLog.put(entry)])).revision
    }
}

extension Store {
    /// The newest `count` entries, newest first, as `consistency` reads them (the status page
    /// reads this member's own copy, so it answers without a quorum). Scans the last hour, or the
    /// last minute when the hour holds more than ``AuditLog/pageScanKeysMax`` entries, so one
    /// call reads a bounded number of keys however large the log is.
    public func recentAuditEntries(
        _ count: Int, now: Date,
        consistency: ReadConsistency = .linearizable
    ) async throws(StoreError) -> [AuditEntry] {
        let end = KeyRange.prefix(AuditLog.prefix).end
        for window in [3600.0, 60.0] {
            let read = try await range(
                KeyRange(start: AuditLog.start(now.addingTimeInterval(-window)), end: end),
                limit: AuditLog.pageScanKeysMax, consistency: consistency)
            if read.more && window > 60 { continue }
            return try read.kvs.suffix(count).reversed().map { kv throws(StoreError) in try AuditLog.entry(kv) }
        }
        return []
    }
}

import Foundation
public import KibanAdminAPI
import KibanStore

extension WatchEventInfo {
    init(_ e: WatchEvent) {
        self.init(
            type: e.kind == .put ? "put" : "delete", key: String(decoding: e.kv.key, as: UTF8.self),
            value: String(decoding: e.kv.value, as: UTF8.self), revision: e.revision, createRevision: e.kv.createRevision,
            version: e.kv.version)
    }
}

extension Daemon {
    /// `kiban kv watch`: changes of `key` (or under it with `prefix`) from `fromRevision` on
    /// (0: from now), served by this member as it applies them. Keys under `/kiban/` are
    /// refused, and left out of a wider prefix's events by the caller (``ReservedKeys``).
    /// - Throws: ``ServerError`` `conflict` when `fromRevision` is compacted: re-list with
    ///   `kiban kv list` and watch from the revision it shows + 1.
    func watch(key: String, prefix: Bool, fromRevision: Int64) async throws(ServerError) -> AsyncThrowingStream<WatchEvent, any Error> {
        let store = try requireStore()
        guard !key.isEmpty || prefix else { throw ServerError(.badRequest, "a watch needs a key (or --prefix for every key)") }
        guard fromRevision >= 0 else { throw ServerError(.badRequest, "--from-revision must be 0 or more") }
        try ReservedKeys.checkRead(Array(key.utf8), prefix: prefix)
        let range: KeyRange = prefix ? .prefix(Array(key.utf8)) : .key(Array(key.utf8))
        return try await storeCall { () throws(StoreError) in try await store.watch(range, from: fromRevision) }
    }

    /// `kiban kv compact REVISION`: forgets the history before `revision` (watches and reads
    /// at older revisions then fail with the re-list error).
    public func kvCompact(revision: Int64, caller: Caller) async throws(ServerError) -> [String: Int64] {
        let store = try requireStore()
        guard revision > 0 else { throw ServerError(.badRequest, "the revision must be positive (see `kiban status` for the current one)") }
        try await storeCall { () throws(StoreError) in try await store.compact(revision) }
        await audit(caller, "kv.compact", "\(revision)")
        return ["compacted": revision]
    }

    /// `kiban kv txn`: compares, then the success or the failure operations, atomically.
    public func kvTxn(_ body: TxnBody, caller: Caller) async throws(ServerError) -> TxnAnswer {
        let store = try requireStore()
        var txn = try body.txn()
        // Each branch that writes carries its entry; the entry's own result is not answered.
        let audited = (success: txn.success.contains(where: \.isWrite), failure: txn.failure.contains(where: \.isWrite))
        if audited.success { txn.success.append(try auditPut(caller, "kv.txn", "", detail: "success branch")) }
        if audited.failure { txn.failure.append(try auditPut(caller, "kv.txn", "", detail: "failure branch")) }
        let stored = txn
        var result = try await storeCall { () throws(StoreError) in try await store.txn(stored) }
        if result.succeeded ? audited.success : audited.failure { result.results.removeLast() }
        return TxnAnswer(result)
    }
}

extension KibanStore.Operation {
    var isWrite: Bool {
        if case .range = self { return false }
        return true
    }
}

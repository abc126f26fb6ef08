import Foundation
public import KibanAdminAPI
import KibanStore

extension KVInfo {
    init(_ kv: KeyValue) {
        self.init(
            key: String(decoding: kv.key, as: UTF8.self), value: String(decoding: kv.value, as: UTF8.self),
            createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version)
    }
}

extension Daemon {
    /// `kiban kv get|list`: linearizable (through the leader's ReadIndex) unless `consistency`
    /// is `serializable`: then this member answers from its own state, which may be stale, even
    /// without a leader (for looking at a member cut off from the others).
    public func kvGet(key: String, prefix: Bool, consistency: String? = nil) async throws(ServerError) -> [KVInfo] {
        let store = try requireStore()
        try ReservedKeys.checkRead(Array(key.utf8), prefix: prefix)
        let range: KeyRange = prefix ? .prefix(Array(key.utf8)) : .key(Array(key.utf8))
        let read: ReadConsistency
        switch consistency {
        case nil, "linearizable": read = .linearizable
        case "serializable": read = .serializable
        case let other?: throw ServerError(.badRequest, "consistency must be linearizable or serializable, not \(other)")
        }
        let page = try await storeCall { () throws(StoreError) in try await store.range(range, consistency: read) }
        return page.kvs.filter { !ReservedKeys.isReserved($0.key) }.map(KVInfo.init)
    }

    /// `kiban kv put`: forwarded to the leader by the store when this member follows.
    public func kvPut(_ body: KVPutBody, caller: Caller) async throws(ServerError) -> KVPutResult {
        let store = try requireStore()
        guard !body.key.isEmpty else { throw ServerError(.badRequest, "a key must not be empty") }
        let key = Array(body.key.utf8)
        try ReservedKeys.checkWrite(key, prefix: false)
        let put = Operation.put(key: key, value: Array(body.value.utf8), lease: 0)
        let compares = body.expectModRevision.map { [Compare(key, .equal, .modRevision($0))] } ?? []
        let audit = try auditPut(caller, "kv.put", body.key)
        let result = try await storeCall { () throws(StoreError) in try await store.txn(Txn(compares: compares, success: [put, audit])) }
        return KVPutResult(succeeded: result.succeeded, revision: result.revision)
    }

    /// `kiban kv del`: returns how many keys were deleted.
    public func kvDelete(key: String, prefix: Bool, caller: Caller) async throws(ServerError) -> [String: Int] {
        let store = try requireStore()
        guard !key.isEmpty else { throw ServerError(.badRequest, "a key must not be empty") }
        try ReservedKeys.checkWrite(Array(key.utf8), prefix: prefix)
        let range: KeyRange = prefix ? .prefix(Array(key.utf8)) : .key(Array(key.utf8))
        let audit = try auditPut(caller, "kv.delete", key, detail: prefix ? "prefix" : "")
        let deleted: [KeyValue]
        if prefix {
            let result = try await storeCall { () throws(StoreError) in try await store.txn(Txn(success: [.delete(range), audit])) }
            guard case .delete(let kvs)? = result.results.first else { preconditionFailure("a delete produced another result") }
            deleted = kvs
        } else {
            deleted = try await deleteAudited(Array(key.utf8), audit, store: store)
        }
        return ["deleted": deleted.count]
    }
}

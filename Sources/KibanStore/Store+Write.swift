/// Writes: puts, deletes and transactions, each one proposal through the log.
extension Store {
    /// Sets `key` to `value` (attached to `lease` when not 0); returns the new revision.
    /// - Throws: ``StoreError`` `leaseNotFound`, `unavailable`, `stopped`.
    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8], lease: Int64 = 0) async throws(StoreError) -> Int64 {
        try await txn(Txn(success: [.put(key: key, value: value, lease: lease)])).revision
    }

    /// Deletes every key in `range`; returns the keys deleted.
    @discardableResult
    public func delete(_ range: KeyRange) async throws(StoreError) -> [KeyValue] {
        let result = try await txn(Txn(success: [.delete(range)]))
        guard case .delete(let deleted)? = result.results.first else { return [] }
        return deleted
    }

    /// Runs a transaction: compares, then the success or the failure operations, atomically.
    /// A failed compare is a result (`succeeded == false`), not an error.
    public func txn(_ txn: Txn) async throws(StoreError) -> TxnResult {
        switch try await propose(.txn(txn)) {
        case .txn(let result): return result
        case .failed(let error): throw error
        default: preconditionFailure("a txn proposal produced another kind of result")
        }
    }

    /// Forgets history before `revision`: watches and reads at older revisions fail with
    /// `compacted` afterwards.
    public func compact(_ revision: Int64) async throws(StoreError) {
        if case .failed(let error) = try await propose(.compact(revision: revision)) { throw error }
    }
}

import KibanNetboot

extension AdminRouter {
    /// Refuses a hand-written put of a record the daemon would serve files by (an image or asset
    /// record whose blob hash is not a hash, so names another file), before it reaches the store.
    /// The boot server skips such records when reading too; this keeps them out.
    static func checkRecords(_ puts: [(key: String, value: String)]) throws(ServerError) {
        for put in puts {
            if let problem = NetbootKeys.problem(key: put.key, value: Array(put.value.utf8)) {
                throw ServerError(.badRequest, problem)
            }
        }
    }

    static func checkRecords(_ txn: TxnBody) throws(ServerError) {
        let operations = (txn.success ?? []) + (txn.failure ?? [])
        try checkRecords(operations.compactMap { $0.put.map { (key: $0.key, value: $0.value) } })
    }
}

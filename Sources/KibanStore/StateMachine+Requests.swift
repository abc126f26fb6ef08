/// The `requests` table: results kept for retried proposals (Raft thesis §6.3).
extension StateMachine {
    func storedResult(client: UInt64, sequence: UInt64) throws(StoreError) -> CommandResult? {
        let st = try db.statement("SELECT result FROM requests WHERE client = ? AND seq = ?")
        st.bind(.u(client), .u(sequence))
        guard try st.step() else { return nil }
        do {
            return try CommandResult(encoded: st.blob(0))
        } catch {
            throw StoreError(.corrupt, "state.db holds an unreadable request result (\(error.message)); restore from a snapshot")
        }
    }

    func storeResult(_ result: CommandResult, client: UInt64, sequence: UInt64, index: UInt64) throws(StoreError) {
        try db.statement("INSERT OR REPLACE INTO requests(client, seq, result, idx) VALUES (?, ?, ?, ?)")
            .bind(.u(client), .u(sequence), .blob(result.encoded), .u(index)).run()
    }

    /// Entries after which a result is forgotten even if its client never acknowledged it (the
    /// client stopped): far beyond any retry, which gives up after a few request timeouts.
    static let requestRetentionEntries: UInt64 = 100_000

    /// Drops results of clients that went away. Runs at fixed log indexes, so every member
    /// deletes the same rows.
    func forgetAbandoned(at index: UInt64) throws(StoreError) {
        guard index % 1024 == 0, index > Self.requestRetentionEntries else { return }
        try db.statement("DELETE FROM requests WHERE idx < ?").bind(.u(index - Self.requestRetentionEntries)).run()
    }

    func forgetAcknowledged(client: UInt64, below: UInt64) throws(StoreError) {
        try db.statement("DELETE FROM requests WHERE client = ? AND seq < ?").bind(.u(client), .u(below)).run()
    }
}

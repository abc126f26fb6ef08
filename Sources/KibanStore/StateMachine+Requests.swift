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

    func storeResult(_ result: CommandResult, client: UInt64, sequence: UInt64) throws(StoreError) {
        try db.statement("INSERT OR REPLACE INTO requests(client, seq, result) VALUES (?, ?, ?)")
            .bind(.u(client), .u(sequence), .blob(result.encoded)).run()
    }

    func forgetAcknowledged(client: UInt64, below: UInt64) throws(StoreError) {
        try db.statement("DELETE FROM requests WHERE client = ? AND seq < ?").bind(.u(client), .u(below)).run()
    }
}

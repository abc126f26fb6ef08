import Foundation

/// The `requests` table: results kept for retried proposals (Raft thesis §6.3).
extension StateMachine {
    func storedResult(client: UInt64, sequence: UInt64) throws(StoreError) -> CommandResult? {
        let st = try db.statement("SELECT result FROM requests WHERE client = ? AND seq = ?")
        st.bind(.u(client), .u(sequence))
        guard try st.step() else { return nil }
        guard let result = try? JSONDecoder().decode(CommandResult.self, from: Data(st.blob(0))) else {
            throw StoreError(.corrupt, "state.db holds an unreadable request result; restore from a snapshot")
        }
        return result
    }

    func storeResult(_ result: CommandResult, client: UInt64, sequence: UInt64) throws(StoreError) {
        // Encoding a Codable value of integers, byte arrays and strings cannot fail.
        let bytes = Array((try? JSONEncoder().encode(result)) ?? Data())
        try db.statement("INSERT OR REPLACE INTO requests(client, seq, result) VALUES (?, ?, ?)")
            .bind(.u(client), .u(sequence), .blob(bytes)).run()
    }

    func forgetAcknowledged(client: UInt64, below: UInt64) throws(StoreError) {
        try db.statement("DELETE FROM requests WHERE client = ? AND seq < ?").bind(.u(client), .u(below)).run()
    }
}

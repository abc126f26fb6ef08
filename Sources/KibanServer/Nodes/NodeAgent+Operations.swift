import Foundation
import KibanNodes
import Logging

/// What the agent remembers of the operations it finished (`operations.json` in its state
/// directory, 0600): each result and whether a member took it. A restarted agent reports a
/// remembered result again instead of running the operation a second time.
struct FinishedOperations: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var result: OperationResult
        var reported: Bool
    }

    var entries: [Entry] = []

    /// The most results remembered (the oldest are forgotten first; members keep as many).
    static let entriesMax = NodeOperations.finishedKept + NodeOperations.pendingMax

    static func load(_ dir: String) -> FinishedOperations {
        guard let data = FileManager.default.contents(atPath: dir + "/operations.json") else { return FinishedOperations() }
        return (try? JSONDecoder().decode(FinishedOperations.self, from: data)) ?? FinishedOperations()
    }

    func save(_ dir: String) throws(ServerError) {
        let bytes: [UInt8]
        do { bytes = Array(try JSONEncoder().encode(self)) } catch { throw ServerError(.internal, "\(error)") }
        try AgentState.write(dir + "/operations.json", bytes)
    }

    func result(_ id: String) -> OperationResult? { entries.last { $0.result.id == id }?.result }

    mutating func remember(_ result: OperationResult) {
        entries.append(Entry(result: result, reported: false))
        if entries.count > Self.entriesMax { entries.removeFirst(entries.count - Self.entriesMax) }
    }

    mutating func markReported(_ id: String) {
        for index in entries.indices where entries[index].result.id == id { entries[index].reported = true }
    }
}

extension NodeAgent {
    /// Runs the machine's pending operations each time `wake` yields (at start, and after a
    /// heartbeat whose answer says operations wait), in order, each once: the result is saved
    /// in the state directory before it is reported, so an agent restarted in between reports
    /// it without running the operation again.
    static func runOperations(_ current: CurrentClient, members: [String], stateDir: String, wake: AsyncStream<Void>, logger: Logger) async {
        var session = AgentSession(members: members)
        var memory = FinishedOperations.load(stateDir)
        let executor = OperationExecutor(stateDir: stateDir)
        for await _ in wake {
            // The client of this round: a renewal replaces the certificate between rounds.
            let client = current.client
            do throws(ServerError) {
                for entry in memory.entries where !entry.reported {
                    try await report(entry.result, client, session: &session, memory: &memory, stateDir: stateDir)
                }
                var more = true
                while more && !Task.isCancelled {
                    let page = try decode(OperationsPage.self, try await session.send(client, .GET, "/v1/operations", [String: String]()), "a member")
                    more = page.more
                    for operation in page.operations {
                        if let done = memory.result(operation.id) {
                            try await report(done, client, session: &session, memory: &memory, stateDir: stateDir)
                            continue
                        }
                        logger.notice("running an operation", metadata: ["kiban.agent.operation": "\(operation.id)"])
                        let result = await executor.run(operation)
                        memory.remember(result)
                        try memory.save(stateDir)
                        logger.notice(
                            "finished an operation",
                            metadata: ["kiban.agent.operation": "\(operation.id)", "kiban.agent.succeeded": "\(result.succeeded)"])
                        try await report(result, client, session: &session, memory: &memory, stateDir: stateDir)
                    }
                }
            } catch {
                logger.warning("operations wait for the next heartbeat", metadata: ["kiban.agent.error": "\(error.message)"])
            }
        }
    }

    /// Sends `result`; a member that no longer knows the operation (it was pruned) counts as
    /// having taken it.
    private static func report(
        _ result: OperationResult, _ client: NodeAPIClient, session: inout AgentSession, memory: inout FinishedOperations, stateDir: String
    ) async throws(ServerError) {
        do {
            _ = try await session.send(client, .POST, "/v1/operations/\(result.id)/result", result)
        } catch  where error.code == .notFound {
            // Pruned or never there: nothing to report to.
        }
        memory.markReported(result.id)
        try memory.save(stateDir)
    }
}

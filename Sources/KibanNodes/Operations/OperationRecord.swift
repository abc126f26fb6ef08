public import Foundation

/// One operation of a machine as the store holds it (`/kiban/nodes/operations/<serial>/<id>`):
/// what to do, when and by whom it was queued, and the agent's result once it reported one.
public struct OperationRecord: Sendable, Hashable, Codable {
    /// Where an operation is.
    public enum State: String, Sendable, Hashable, Codable {
        /// Queued; the agent has not reported a result.
        case pending
        /// The agent reported success.
        case succeeded
        /// The agent reported failure (see the result's output).
        case failed
    }

    /// The operation.
    public var operation: AgentOperation
    /// Where it is.
    public var state: State
    /// When it was queued.
    public var enqueued: Date
    /// Who queued it (the audit log's actor).
    public var enqueuedBy: String
    /// Its place in the batch it was queued with (batches keep the order of their revisions).
    public var position: Int
    /// The agent's result, once reported.
    public var result: OperationResult?

    /// Creates a pending record.
    public init(operation: AgentOperation, enqueued: Date, enqueuedBy: String, position: Int) {
        self.operation = operation
        self.state = .pending
        self.enqueued = enqueued
        self.enqueuedBy = enqueuedBy
        self.position = position
    }

    /// The operation's id.
    public var id: String { operation.id }

    /// The operation's kind: `write-file`, `unit` or `command`.
    public var kind: String {
        switch operation.action {
        case .writeFile: "write-file"
        case .unit: "unit"
        case .command: "command"
        }
    }
}

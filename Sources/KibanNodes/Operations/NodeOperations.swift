public import Foundation
import KibanInventory
public import KibanStore

/// The operations members push to a machine's agent (docs/nodes.md, "Operations"): the API
/// controllers such as the Kubernetes installer call. Operations are kept under
/// `/kiban/nodes/operations/<serial>/`, out of reach of the kv API, so only member code writes
/// them; the agent reads its own over the node API, authenticated by its node certificate.
///
/// ```swift
/// let queue = NodeOperations(store: store)
/// try await queue.enqueue([AgentOperation(id: "kubelet-conf", action: .writeFile(…))], serial: "KB-1", user: "installer", now: .now)
/// for record in try await queue.pending(serial: "KB-1") { … }          // what the agent runs, in order
/// try await queue.recordResult(result, serial: "KB-1", now: .now)        // once per id; repeats are ignored
/// ```
public struct NodeOperations: Sendable {
    /// The store the operations live in.
    public let store: Store
    /// The member named in audit entries.
    public var auditMember = ""

    /// The most operations pending for one machine.
    public static let pendingMax = 256
    /// The finished operations kept per machine; older ones are pruned when new ones are queued.
    public static let finishedKept = 256
    /// The most file bytes one batch may carry (a batch is one Raft proposal).
    public static let batchFileBytesMax = 4 << 20
    /// How often a write is retried when the machine or its operations changed under it.
    static let attemptsMax = 8

    /// Creates the queue over `store`.
    public init(store: Store) { self.store = store }

    /// Queues `operations` for `serial`, in order, with one audit entry (`nodes.operations.add`).
    /// An operation whose id is already queued with the same content is skipped (queuing is
    /// idempotent); the same id with other content is refused.
    /// - Returns: the records queued by this call.
    /// - Throws: ``NodeError`` `invalidInput` listing every problem (nothing is queued then);
    ///   `notFound` for a machine not in the inventory; `refused` for one that is retiring or
    ///   retired, or when more than ``pendingMax`` would be pending.
    @discardableResult
    public func enqueue(_ operations: [AgentOperation], serial: String, user: String, now: Date) async throws -> [OperationRecord] {
        try DiskKeyEscrow.check(serial: serial)
        let problems = Self.problems(of: operations)
        guard problems.isEmpty else { throw NodeError(.invalidInput, "the operations for \(serial) were refused", problems: problems) }
        for _ in 0..<Self.attemptsMax {
            let machine = try await InventoryService(store: store).inService(serial, refusing: "no operation is queued for a machine leaving service")
            let existing = try await kvs(serial, consistency: .linearizable)
            let byID = Dictionary(existing.map { ($0.record.id, $0.record) }, uniquingKeysWith: { a, _ in a })
            var conflicts: [String] = []
            let fresh = operations.filter { operation in
                guard let held = byID[operation.id] else { return true }
                if held.operation != operation { conflicts.append("operation id \(operation.id) is already used for another operation; pick a new id") }
                return false
            }
            guard conflicts.isEmpty else { throw NodeError(.invalidInput, "the operations for \(serial) were refused", problems: conflicts) }
            guard !fresh.isEmpty else { return [] }
            let pending = existing.filter { $0.record.state == .pending }.count
            guard pending + fresh.count <= Self.pendingMax else {
                throw NodeError(.refused, "machine \(serial) has \(pending) operations pending; at most \(Self.pendingMax) may be: wait for its agent")
            }
            let records = fresh.enumerated().map { OperationRecord(operation: $1, enqueued: now, enqueuedBy: user, position: $0) }
            let pruned = existing.filter { $0.record.state != .pending }.dropLast(Self.finishedKept)
            let audit = AuditEntry(
                time: now, actor: user, member: auditMember, action: "nodes.operations.add", subject: serial,
                detail: String(fresh.map(\.id).joined(separator: ", ").prefix(1024)))
            var compares = [machine.unchanged] + records.map { Compare(NodeKeys.operation(serial, $0.id), .equal, .version(0)) }
            compares += pruned.map { Compare($0.kv.key, .equal, .modRevision($0.kv.modRevision)) }
            let writes = try records.map { KibanStore.Operation.put(key: NodeKeys.operation(serial, $0.id), value: try Store.encode($0), lease: 0) }
            let result = try await store.txn(
                Txn(compares: compares, success: writes + pruned.map { .delete(.key($0.kv.key)) } + [try AuditLog.put(audit)]))
            if result.succeeded { return records }
        }
        throw NodeError(.refused, "the operations of machine \(serial) kept changing while new ones were queued; retry")
    }

    /// Every reason `operations` cannot be queued as one batch.
    public static func problems(of operations: [AgentOperation]) -> [String] {
        var p: [String] = []
        if operations.isEmpty { p.append("no operations were given") }
        if operations.count > pendingMax { p.append("at most \(pendingMax) operations at once") }
        for (index, operation) in operations.enumerated() {
            p += operation.problems.map { "operation \(index + 1) (\(operation.id.prefix(64))): \($0)" }
        }
        let ids = operations.map(\.id)
        for id in Set(ids) where ids.filter({ $0 == id }).count > 1 { p.append("operation id \(id.prefix(64)) appears twice") }
        let fileBytes = operations.reduce(0) { sum, operation in
            guard case .writeFile(_, let content, _, _) = operation.action else { return sum }
            return sum + content.count
        }
        if fileBytes > batchFileBytesMax { p.append("the files of one batch are at most \(batchFileBytesMax) bytes together; queue them in several") }
        return p
    }

    /// Records the agent's result for its operation. Only a pending operation takes a result:
    /// a second result for the same id changes nothing (the agent may report again after a
    /// restart). Audited as `nodes.operations.result` by `node:<serial>`.
    /// - Returns: whether the result was recorded (false: it already had one).
    /// - Throws: ``NodeError`` `notFound` when the machine has no operation with that id.
    @discardableResult
    public func recordResult(_ result: OperationResult, serial: String, now: Date) async throws -> Bool {
        try DiskKeyEscrow.check(serial: serial)
        guard NodeFacts.isName(result.id) else { throw NodeError(.invalidInput, "an operation id is 1 to 64 letters, digits, '.', '_' or '-'") }
        let key = NodeKeys.operation(serial, result.id)
        for _ in 0..<Self.attemptsMax {
            guard let held = try await store.record(OperationRecord.self, at: key) else {
                throw NodeError(.notFound, "machine \(serial) has no operation \(result.id)")
            }
            guard held.value.state == .pending else { return false }
            var record = held.value
            record.state = result.succeeded ? .succeeded : .failed
            record.result = result
            let audit = AuditEntry(
                time: now, actor: "node:\(serial)", member: auditMember, action: "nodes.operations.result", subject: serial,
                detail: "\(result.id): \(record.state.rawValue)" + (result.exitStatus.map { ", exit status \($0)" } ?? ""),
                outcome: result.succeeded ? AuditEntry.ok : "failed")
            let outcome = try await store.txn(
                Txn(
                    compares: [Compare(key, .equal, .modRevision(held.modRevision))],
                    success: [.put(key: key, value: try Store.encode(record), lease: 0), try AuditLog.put(audit)]))
            if outcome.succeeded { return true }
        }
        throw NodeError(.refused, "operation \(result.id) of \(serial) kept changing while its result was recorded; retry")
    }

    /// The operations of `serial` still pending, in the order they were queued.
    public func pending(serial: String, consistency: ReadConsistency = .linearizable) async throws -> [OperationRecord] {
        try await list(serial: serial, consistency: consistency).filter { $0.state == .pending }
    }

    /// Every operation of `serial` the store keeps (pending and the last finished), in the
    /// order they were queued.
    public func list(serial: String, consistency: ReadConsistency = .linearizable) async throws -> [OperationRecord] {
        try DiskKeyEscrow.check(serial: serial)
        return try await kvs(serial, consistency: consistency).map(\.record)
    }

    /// The operation `id` of `serial`, or nil.
    public func record(serial: String, id: String) async throws -> OperationRecord? {
        try DiskKeyEscrow.check(serial: serial)
        guard NodeFacts.isName(id) else { return nil }
        return try await store.record(OperationRecord.self, at: NodeKeys.operation(serial, id))?.value
    }

    /// The records with their keys, in queue order: by the revision that created them, then by
    /// their place in that batch.
    private func kvs(_ serial: String, consistency: ReadConsistency) async throws -> [(kv: KeyValue, record: OperationRecord)] {
        let read = try await store.range(.prefix(NodeKeys.operations(serial)), consistency: consistency)
        return try read.kvs.map { ($0, try Store.decode(OperationRecord.self, $0)) }
            .sorted { ($0.kv.createRevision, $0.record.position) < ($1.kv.createRevision, $1.record.position) }
    }
}

public import Foundation
public import KibanInventory
public import KibanStore

/// The node subsystem on the store: the facts agents report (written only when they change, so
/// a steady fleet costs no Raft writes), the health checks of each role, and the machine states
/// that follow from heartbeats, applied through the inventory's lifecycle table and audit log.
///
/// ```swift
/// let nodes = NodeService(store: store)
/// try await nodes.setChecks([HealthCheck(name: "kubelet", unit: "kubelet.service")], role: "worker")
/// var ledger = HeartbeatLedger(since: .now)
/// ledger.record("KB-1", HealthReport(received: .now, checks: …))
/// let applied = try await nodes.applyHealth(ledger, now: .now)
/// ```
public struct NodeService: Sendable {
    /// The store the records live in.
    public let store: Store
    /// The inventory whose machine states health moves.
    public let inventory: InventoryService
    /// The user name health changes are recorded under in the audit log.
    public static let healthUser = "kiban-health"

    /// Creates the service over `store`.
    public init(store: Store, inventory: InventoryService? = nil) {
        self.store = store
        self.inventory = inventory ?? InventoryService(store: store)
    }

    /// Records `facts` for its machine when they differ from what is stored; returns whether a
    /// write happened.
    /// - Throws: ``NodeError`` `invalidInput` listing the report's problems; `notFound` for a
    ///   serial the inventory does not hold.
    @discardableResult
    public func recordFacts(_ facts: NodeFacts) async throws -> Bool {
        let problems = facts.problems
        guard problems.isEmpty else { throw NodeError(.invalidInput, "the agent's facts were refused", problems: problems) }
        guard try await inventory.machine(facts.serial) != nil else {
            throw NodeError(.notFound, "machine \(facts.serial) is not in the inventory")
        }
        if try await store.record(NodeFacts.self, at: NodeKeys.facts(facts.serial))?.value == facts { return false }
        try await store.putRecord(facts, at: NodeKeys.facts(facts.serial))
        return true
    }

    /// The facts last reported by `serial`'s agent.
    public func facts(_ serial: String) async throws -> NodeFacts? {
        try await store.record(NodeFacts.self, at: NodeKeys.facts(serial))?.value
    }

    /// Sets the checks agents of `role` run; an empty list deletes them. `audit`, when given,
    /// is written in the same transaction.
    /// - Throws: ``NodeError`` `invalidInput` listing every problem; nothing changes then.
    public func setChecks(_ checks: [HealthCheck], role: String, audit: AuditEntry? = nil) async throws {
        var problems = HealthCheck.problems(of: checks)
        if !NodeFacts.isName(role) { problems.append("a role is 1 to 64 letters, digits, '.', '_' or '-'") }
        guard problems.isEmpty else { throw NodeError(.invalidInput, "the checks of role \(role.prefix(64)) were refused", problems: problems) }
        let change: KibanStore.Operation =
            checks.isEmpty
            ? .delete(.key(NodeKeys.checks(role)))
            : .put(key: NodeKeys.checks(role), value: try Store.encode(checks), lease: 0)
        _ = try await store.txn(Txn(success: [change] + (try audit.map { [try AuditLog.put($0)] } ?? [])))
    }

    /// The checks agents of `role` run (none when unset).
    public func checks(role: String, consistency: ReadConsistency = .linearizable) async throws -> [HealthCheck] {
        try await store.record([HealthCheck].self, at: NodeKeys.checks(role), consistency: consistency)?.value ?? []
    }

    /// A state change health made.
    public struct Applied: Sendable, Hashable {
        /// The machine.
        public var serial: String
        /// Its state before.
        public var from: MachineState
        /// Its state now, and why.
        public var change: HealthRules.Change
    }

    /// Applies the changes `ledger` calls for to the inventory, each a compare-on-revision
    /// transaction with its audit record. A machine whose state an operator changed meanwhile
    /// to one health may not leave (the lifecycle table refuses the move) is skipped.
    public func applyHealth(_ ledger: HeartbeatLedger, now: Date) async throws -> [Applied] {
        let machines = try await inventory.machines()
        let states = Dictionary(machines.map { ($0.serial, $0.state) }, uniquingKeysWith: { a, _ in a })
        var applied: [Applied] = []
        for (serial, change) in ledger.changes(states: states, now: now) {
            do {
                try await inventory.setState(serial, change.state, user: Self.healthUser, now: now)
                applied.append(Applied(serial: serial, from: states[serial] ?? .uninitialized, change: change))
            } catch let error as InventoryError where error.code == .illegalTransition || error.code == .notFound {
                continue
            }
        }
        return applied
    }
}

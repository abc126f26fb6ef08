import Foundation
import KibanInventory
import KibanStore
import KibanTestSupport
import Testing

@Suite("Lifecycle and audit through the service")
struct LifecycleServiceTests {
    /// The shortest way from `uninitialized` to `state` along the transition table.
    static func path(to state: MachineState) -> [MachineState] {
        var paths: [MachineState: [MachineState]] = [.uninitialized: []]
        var queue: [MachineState] = [.uninitialized]
        while !queue.isEmpty {
            let s = queue.removeFirst()
            for next in s.allowedNext where paths[next] == nil {
                paths[next] = (paths[s] ?? []) + [next]
                queue.append(next)
            }
        }
        return paths[state] ?? []
    }

    // Serialized: seven clusters at once would only crowd the machine other suites share.
    @Test(
        "Every pair of states is allowed or refused exactly as the transition table says",
        .serialized, arguments: MachineState.allCases)
    func transitionTable(from: MachineState) async throws {
        let (cluster, inventory) = try await exampleInventory()
        let serials = MachineState.allCases.map { "\(from)-\($0)" }
        try await inventory.importMachines(serials.enumerated().map { reg($1, rack: $0) }, user: "ops", now: t0)
        for (serial, to) in zip(serials, MachineState.allCases) {
            for step in Self.path(to: from) { try await inventory.setState(serial, step, user: "ops", now: t0) }
            let allowed = to == from || MachineState.transitions[from]?.contains(to) == true
            if allowed {
                #expect(try await inventory.setState(serial, to, user: "ops", now: t0 + 5).state == to)
            } else {
                let error = await #expect(throws: InventoryError.self) {
                    try await inventory.setState(serial, to, user: "ops", now: t0 + 5)
                }
                #expect(error?.code == .illegalTransition)
                #expect(error?.message.contains("allowed: \(from.allowedNext.map(\.rawValue).joined(separator: ", "))") == true)
                #expect(try await inventory.machine(serial)?.state == from)
            }
        }
        await cluster.stop()
    }

    @Test("Each change writes its audit record in the same transaction, with the change's revision")
    func auditSameRevision() async throws {
        let (cluster, inventory) = try await exampleInventory()
        try await inventory.importMachines([reg("a", rack: 0), reg("b", rack: 0)], user: "alice", now: t0)
        try await inventory.setState("a", .healthy, user: "bob", now: t0 + 1)
        try await inventory.setLabel("a", key: "zone", value: "z1", user: "bob", now: t0 + 2)
        try await inventory.removeLabel("a", key: "zone", user: "bob", now: t0 + 3)
        try await inventory.setRetireDate("a", t0 + 86_400, user: "bob", now: t0 + 4)
        let log = try await inventory.auditLog(since: t0, until: t0 + 60)
        #expect(log.map(\.action) == ["set", "register", "register", "set-state", "set-label", "remove-label", "set-retire-date"])
        #expect(log.map(\.user) == ["alice", "alice", "alice", "bob", "bob", "bob", "bob"])
        #expect(log[1].rev == log[2].rev)  // one import, one transaction
        let machineKey = Array("inventory/machines/a".utf8)
        #expect(try await inventory.store.get(machineKey)?.modRevision == log.last?.rev)
        #expect(log[3].detail == "healthy" && log[4].detail == "zone=z1")
        await cluster.stop()
    }

    @Test("Setting the current state again changes nothing and writes no record")
    func sameStateNoOp() async throws {
        let (cluster, inventory) = try await exampleInventory()
        try await inventory.importMachines([reg("a", rack: 0)], user: "alice", now: t0)
        let before = try await inventory.auditLog(since: t0, until: t0 + 60).count
        #expect(try await inventory.setState("a", .uninitialized, user: "alice", now: t0 + 1).stateTimestamp == t0)
        #expect(try await inventory.auditLog(since: t0, until: t0 + 60).count == before)
        await cluster.stop()
    }

    @Test("The audit log is read by time range, until exclusive, and pruned after the retention")
    func auditRangeAndRetention() async throws {
        let (cluster, inventory) = try await exampleInventory()
        let day: TimeInterval = 86_400
        try await inventory.importMachines([reg("a", rack: 0)], user: "alice", now: t0 + 10 * day)
        try await inventory.setState("a", .healthy, user: "alice", now: t0 + 70 * day)
        #expect(try await inventory.auditLog(since: t0 + 10 * day, until: t0 + 70 * day).map(\.action) == ["register"])
        #expect(try await inventory.auditLog(since: t0, until: t0 + 71 * day).count == 3)
        // 60 days before t0+71d is t0+11d: the records of t0 and t0+10d go.
        #expect(try await inventory.store.pruneAuditLog(now: t0 + 71 * day, retention: AuditLog.retentionDefaultSeconds) == 2)
        #expect(try await inventory.auditLog(since: t0, until: t0 + 71 * day).map(\.action) == ["set-state"])
        await cluster.stop()
    }
}

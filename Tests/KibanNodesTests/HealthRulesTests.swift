import Foundation
import KibanInventory
import KibanNodes
import Testing

@Suite("Machine health from heartbeats")
struct HealthRulesTests {
    let rules = HealthRules(heartbeatSeconds: 5, missedHeartbeats: 3)
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    var passing: HealthReport { HealthReport(received: start, checks: [.init(name: "kubelet", passed: true)]) }
    var failing: HealthReport {
        HealthReport(
            received: start,
            checks: [
                .init(name: "kubelet", passed: true),
                .init(name: "data-disk", passed: false, detail: "no such device"),
            ])
    }

    @Test("A first good report makes an uninitialized machine healthy")
    func firstReport() {
        let change = rules.change(from: .uninitialized, latest: passing, watchingSince: start, now: start + 1)
        #expect(change?.state == .healthy)
    }

    @Test("A failing check makes a healthy machine unhealthy, naming the check and what the agent saw")
    func failingCheck() throws {
        let change = try #require(rules.change(from: .healthy, latest: failing, watchingSince: start, now: start + 1))
        #expect(change.state == .unhealthy)
        #expect(change.reason == "check failed: data-disk (no such device)")
    }

    @Test("Silence longer than the missed heartbeats makes a machine unreachable, not a moment before")
    func silence() {
        #expect(rules.change(from: .healthy, latest: passing, watchingSince: start, now: start + 15) == nil)
        let change = rules.change(from: .healthy, latest: passing, watchingSince: start, now: start + 15.5)
        #expect(change?.state == .unreachable)
        #expect(change?.reason == "no heartbeat for 15 s (limit 15 s)")
        #expect(rules.change(from: .unhealthy, latest: failing, watchingSince: start, now: start + 16)?.state == .unreachable)
    }

    @Test("An unreachable or unhealthy machine that reports well again is healthy")
    func recovery() {
        #expect(rules.change(from: .unreachable, latest: passing, watchingSince: start, now: start + 1)?.state == .healthy)
        #expect(rules.change(from: .unhealthy, latest: passing, watchingSince: start, now: start + 1)?.state == .healthy)
    }

    @Test(
        "Operators' states are never changed, whatever the heartbeats say",
        arguments: [MachineState.updating, .retiring, .retired])
    func operatorStates(state: MachineState) {
        for report in [passing, failing] {
            for now in [start + 1, start + 3600] {
                #expect(rules.change(from: state, latest: report, watchingSince: start, now: now) == nil)
            }
        }
        #expect(rules.change(from: state, latest: nil, watchingSince: start, now: start + 3600) == nil)
    }

    @Test("Every change the rules make is one the lifecycle table permits", arguments: MachineState.allCases)
    func permitted(state: MachineState) throws {
        for report in [passing, failing, nil] {
            for offset in [0.0, 1, 15, 16, 3600] {
                guard let change = rules.change(from: state, latest: report, watchingSince: start, now: start + offset) else { continue }
                #expect(change.state != state)
                try state.check(transitionTo: change.state)
            }
        }
    }

    @Test("An uninitialized machine that never reported stays uninitialized (the table has no way to unreachable)")
    func neverReported() {
        #expect(rules.change(from: .uninitialized, latest: nil, watchingSince: start, now: start + 3600) == nil)
        #expect(rules.change(from: .uninitialized, latest: failing, watchingSince: start, now: start + 1) == nil)
    }
}

@Suite("The leader's heartbeat ledger")
struct HeartbeatLedgerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("A new leader counts silence from its own start, so a machine that died during the change still becomes unreachable")
    func newLeader() {
        let ledger = HeartbeatLedger(since: start, rules: HealthRules(heartbeatSeconds: 5, missedHeartbeats: 3))
        let states: [String: MachineState] = ["a": .healthy, "b": .unhealthy, "c": .uninitialized]
        #expect(ledger.changes(states: states, now: start + 10).isEmpty)
        let later = ledger.changes(states: states, now: start + 20)
        #expect(later.map(\.serial) == ["a", "b"])
        #expect(later.allSatisfy { $0.change.state == .unreachable })
    }

    @Test("Reports keep machines as they are; only changes come out, in serial order")
    func onlyChanges() {
        var ledger = HeartbeatLedger(since: start)
        for serial in ["b", "a", "c"] {
            ledger.record(serial, HealthReport(received: start + 1, checks: [.init(name: "x", passed: serial != "c")]))
        }
        let changes = ledger.changes(states: ["a": .healthy, "b": .uninitialized, "c": .healthy], now: start + 2)
        #expect(changes.map(\.serial) == ["b", "c"])
        #expect(changes.map(\.change.state) == [.healthy, .unhealthy])
    }

    @Test("A report older than the one held (delayed on the way) does not replace it")
    func delayed() {
        var ledger = HeartbeatLedger(since: start)
        ledger.record("a", HealthReport(received: start + 10, checks: [.init(name: "x", passed: true)]))
        ledger.record("a", HealthReport(received: start + 5, checks: [.init(name: "x", passed: false)]))
        #expect(ledger.report(of: "a")?.received == start + 10)
        #expect(ledger.changes(states: ["a": .healthy], now: start + 11).isEmpty)
    }

    @Test("Machines that left the inventory are forgotten")
    func forget() {
        var ledger = HeartbeatLedger(since: start)
        ledger.record("a", HealthReport(received: start))
        ledger.record("b", HealthReport(received: start))
        ledger.keep(only: ["b"])
        #expect(ledger.report(of: "a") == nil)
        #expect(ledger.report(of: "b") != nil)
    }
}

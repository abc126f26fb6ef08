public import Foundation
public import KibanInventory

/// The leader's memory of heartbeats: the latest report per machine, kept in memory and never
/// replicated (a heartbeat that changes nothing costs no Raft write). A new leader starts empty
/// and counts silence from its own start, so a machine that died during the change of leader
/// still becomes `unreachable`, one interval later than it would have.
public struct HeartbeatLedger: Sendable {
    /// When this ledger began (the leader's start of leadership).
    public let watchingSince: Date
    /// The rules the ledger applies.
    public var rules: HealthRules
    private var latest: [String: HealthReport] = [:]

    /// An empty ledger watching from `since`.
    public init(since: Date, rules: HealthRules = HealthRules()) {
        self.watchingSince = since
        self.rules = rules
    }

    /// Records a machine's report, replacing an older one; a report older than the one held
    /// (delayed on the way) is ignored.
    public mutating func record(_ serial: String, _ report: HealthReport) {
        if let held = latest[serial], held.received > report.received { return }
        latest[serial] = report
    }

    /// The latest report of `serial`, if one arrived since ``watchingSince``.
    public func report(of serial: String) -> HealthReport? { latest[serial] }

    /// When the latest report of each machine was received.
    public var received: [String: Date] { latest.mapValues(\.received) }

    /// Forgets machines that are no longer in the inventory.
    public mutating func keep(only serials: Set<String>) {
        latest = latest.filter { serials.contains($0.key) }
    }

    /// The state changes the machines should make now, by serial, in serial order.
    public func changes(states: [String: MachineState], now: Date) -> [(serial: String, change: HealthRules.Change)] {
        states.keys.sorted().compactMap { serial in
            guard let state = states[serial],
                let change = rules.change(from: state, latest: latest[serial], watchingSince: watchingSince, now: now)
            else { return nil }
            return (serial, change)
        }
    }
}

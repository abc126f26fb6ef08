public import Foundation
public import KibanInventory

/// sabakan-state-setter's job as a pure function: from a machine's state and its latest
/// heartbeat, the state it should move to, if any.
///
/// - A machine that reports with every check passing becomes `healthy` (from `uninitialized`,
///   `unhealthy` or `unreachable`).
/// - A check failing makes a `healthy` or `unreachable` machine `unhealthy`.
/// - No report for ``missedHeartbeats`` heartbeat intervals makes a `healthy` or `unhealthy`
///   machine `unreachable`.
/// - Operators' states (`updating`, `retiring`, `retired`) are never changed, and every change
///   is one that `MachineState.transitions` permits.
public struct HealthRules: Sendable, Hashable, Codable {
    /// How often agents report, in seconds.
    public var heartbeatSeconds: Double
    /// How many intervals without a report make a machine `unreachable`.
    public var missedHeartbeats: Int

    /// Creates the rules; the defaults are a report every 5 s, `unreachable` after 3 missed.
    public init(heartbeatSeconds: Double = 5, missedHeartbeats: Int = 3) {
        self.heartbeatSeconds = heartbeatSeconds
        self.missedHeartbeats = missedHeartbeats
    }

    /// The silence after which a machine is `unreachable`.
    public var unreachableAfter: TimeInterval { heartbeatSeconds * Double(missedHeartbeats) }

    /// The states health never changes: an operator or a controller owns them.
    public static let operatorStates: Set<MachineState> = [.updating, .retiring, .retired]

    /// A move and why, for the lifecycle record and the audit log.
    public struct Change: Sendable, Hashable {
        /// The new state.
        public var state: MachineState
        /// Why, in words.
        public var reason: String
    }

    /// The move `current` should make given the latest report received since `watchingSince`
    /// (when this leader began to watch: a new leader has heard nothing yet, and counts the
    /// silence from its own start), or nil to stay.
    public func change(from current: MachineState, latest: HealthReport?, watchingSince: Date, now: Date) -> Change? {
        guard !Self.operatorStates.contains(current) else { return nil }
        let silence = now.timeIntervalSince(latest?.received ?? watchingSince)
        let next: Change
        if silence > unreachableAfter {
            next = Change(state: .unreachable, reason: "no heartbeat for \(Int(silence)) s (limit \(Int(unreachableAfter)) s)")
        } else if let latest, let failed = latest.failed.first {
            let names = latest.failed.map(\.name).joined(separator: ", ")
            next = Change(state: .unhealthy, reason: "check failed: \(names)" + (failed.detail.isEmpty ? "" : " (\(failed.detail))"))
        } else if latest != nil {
            next = Change(state: .healthy, reason: "heartbeat with every check passing")
        } else {
            return nil
        }
        guard next.state != current, MachineState.transitions[current]?.contains(next.state) == true else { return nil }
        return next
    }
}

public import Foundation
import KibanInventory

/// The leader's health loop (sabakan-state-setter's job): heartbeats go into a
/// ``HeartbeatLedger`` in memory, and ``apply(now:)`` writes only the state changes
/// ``HealthRules`` call for. A member that is not leading keeps no ledger; one that starts to
/// lead starts an empty ledger watching from that moment, so a change of leader gives every
/// machine a full grace period instead of making the fleet `unreachable` at once.
public actor HealthMonitor {
    /// The node subsystem the changes are written through.
    public let service: NodeService
    /// The rules every ledger applies.
    public let rules: HealthRules
    private var ledger: HeartbeatLedger?

    /// A monitor that is not leading yet.
    public init(service: NodeService, rules: HealthRules) {
        self.service = service
        self.rules = rules
    }

    /// Whether this member keeps the ledger now.
    public var leading: Bool { ledger != nil }

    /// This member leads: keeps its ledger, or starts one watching from `now`.
    public func lead(now: Date) {
        if ledger == nil { ledger = HeartbeatLedger(since: now, rules: rules) }
    }

    /// This member does not lead: forgets every heartbeat (the next leader starts fresh).
    public func follow() {
        ledger = nil
    }

    /// Records a machine's heartbeat; false when this member does not lead (the agent should
    /// report to the leader).
    @discardableResult
    public func heartbeat(_ serial: String, _ report: HealthReport) -> Bool {
        guard ledger != nil else { return false }
        ledger?.record(serial, report)
        return true
    }

    /// The latest heartbeat of `serial` this leader received.
    public func latest(_ serial: String) -> HealthReport? { ledger?.report(of: serial) }

    /// When this leader last heard from each machine; nil when this member does not lead.
    public var lastHeartbeats: [String: Date]? { ledger?.received }

    /// Applies the changes the ledger calls for at `now` (nothing when not leading), after
    /// forgetting machines that left the inventory.
    public func apply(now: Date) async throws -> [NodeService.Applied] {
        guard let current = ledger else { return [] }
        let applied = try await service.applyHealth(current, now: now)
        let serials = Set(try await service.inventory.localMachines().map(\.serial))
        ledger?.keep(only: serials)
        return applied
    }
}

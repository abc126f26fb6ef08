public import Foundation
public import KibanInventory
import KibanStore

/// One line of `kiban nodes list`: a machine of the inventory with what the node subsystem
/// knows of it.
public struct NodeSummary: Sendable, Hashable, Codable {
    /// The machine's serial.
    public var serial: String
    /// Its lifecycle state.
    public var state: MachineState
    /// Its rack.
    public var rack: Int
    /// Its role.
    public var role: String
    /// When the leader last heard from its agent (nil: not since this leader began, or this
    /// member does not lead).
    public var lastHeartbeat: Date?
    /// The version its agent last reported.
    public var agentVersion: String?
    /// The serial number of the node certificate it enrolled with.
    public var certificateSerial: String?
    /// When that certificate expires.
    public var certificateNotAfter: Date?
}

extension NodeService {
    /// Every machine of the inventory as `kiban nodes list` shows it, by serial: `enrolled`
    /// gives the node certificates, `lastHeartbeat` the leader's memory.
    public func summaries(
        enrolled: [String: EnrollmentPolicy.Issued],
        lastHeartbeat: [String: Date]
    ) async throws -> [NodeSummary] {
        let facts = try await store.range(.prefix(Array(NodeKeys.factsPrefix.utf8))).kvs
        var versions: [String: String] = [:]
        for kv in facts {
            let reported = try Store.decode(NodeFacts.self, kv)
            versions[reported.serial] = reported.agentVersion
        }
        return try await inventory.machines().map { machine in
            NodeSummary(
                serial: machine.serial, state: machine.state, rack: machine.registration.rack, role: machine.registration.role,
                lastHeartbeat: lastHeartbeat[machine.serial], agentVersion: versions[machine.serial],
                certificateSerial: enrolled[machine.serial]?.certificateSerial,
                certificateNotAfter: enrolled[machine.serial]?.notAfter)
        }
    }
}

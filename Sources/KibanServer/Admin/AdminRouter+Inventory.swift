import Foundation
import KibanInventory
import NIOHTTP1

/// The inventory's admin endpoints (docs/admin-api.md, "Inventory"): IPAM, machines and the
/// audit log. Documents go out as compact JSON with RFC 3339 times, as the store keeps them.
extension AdminRouter {
    /// The answer to an inventory request, or nil when `r` is not one.
    func inventory(_ r: AdminRequest) async throws -> [UInt8]? {
        let s = r.segments
        guard s.count >= 2, s[0] == "v1", ["ipam", "machines", "logs"].contains(s[1]) else { return nil }
        let rest = Array(s.dropFirst(2))
        switch (r.method, s[1], rest.count) {
        case (.GET, "ipam", 0): return try wire(await daemon.ipam())
        case (.PUT, "ipam", 0):
            return Self.encode(["revision": try await daemon.setIPAM(Array(r.body), caller: r.caller)])
        case (.POST, "machines", 0): return Self.encode(try await daemon.importMachines(Array(r.body), caller: r.caller))
        case (.GET, "machines", 0): return try wire(await daemon.machines(parameters: r.parameters))
        case (.DELETE, "machines", 1):
            try await daemon.removeMachine(rest[0], caller: r.caller)
            return Self.encode(["removed": rest[0]])
        case (.GET, "machines", 2) where rest[1] == "crypts": return try wire(await daemon.diskKeys(serial: rest[0]))
        case (.DELETE, "machines", 2) where rest[1] == "crypts":
            return try wire(await daemon.deleteDiskKeys(serial: rest[0], caller: r.caller))
        case (.PUT, "machines", 2), (.PUT, "machines", 3), (.DELETE, "machines", 3):
            return try wire(await machineChange(r, serial: rest[0], Array(rest.dropFirst())))
        case (.GET, "logs", 0):
            return try wire(await daemon.auditLog(since: r.query["since"], until: r.query["until"]))
        case (.GET, "logs", 1) where rest[0] == "retention": return Self.encode(try await daemon.auditRetention())
        case (.PUT, "logs", 1) where rest[0] == "retention":
            return Self.encode(try await daemon.setAuditRetention(try r.decode(AuditRetention.self), caller: r.caller))
        default:
            throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }

    /// `PUT machines/S/state {state}`, `PUT machines/S/retire-date {date}`,
    /// `PUT machines/S/labels/K {value}`, `DELETE machines/S/labels/K`.
    private func machineChange(_ r: AdminRequest, serial: String, _ what: [String]) async throws -> MachineDocument {
        switch (r.method, what.first, what.count) {
        case (.PUT, "state", 1):
            let text = try r.decode([String: String].self)["state"] ?? ""
            guard let state = MachineState(rawValue: text) else {
                throw ServerError(
                    .badRequest,
                    "\(text.isEmpty ? "no state given" : "\(text) is not a state"); use one of \(MachineState.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            if state == .retired { try await daemon.checkRetirable(serial) }
            return try await daemon.changeMachine(serial, caller: r.caller, "set-state") { inventory, user, now in
                try await inventory.setState(serial, state, user: user, now: now)
            }
        case (.PUT, "retire-date", 1):
            let text = try r.decode([String: String].self)["date"] ?? ""
            guard let date = InventoryFormat.time(text) else {
                throw ServerError(.badRequest, "\(text) is not a date; give an RFC 3339 time (2030-01-01T00:00:00Z) or a day (20300101)")
            }
            return try await daemon.changeMachine(serial, caller: r.caller, "set-retire-date") { inventory, user, now in
                try await inventory.setRetireDate(serial, date, user: user, now: now)
            }
        case (.PUT, "labels", 2):
            let key = what[1]
            let value = try r.decode([String: String].self)["value"] ?? ""
            return try await daemon.changeMachine(serial, caller: r.caller, "set-label") { inventory, user, now in
                try await inventory.setLabel(serial, key: key, value: value, user: user, now: now)
            }
        case (.DELETE, "labels", 2):
            let key = what[1]
            return try await daemon.changeMachine(serial, caller: r.caller, "remove-label") { inventory, user, now in
                try await inventory.removeLabel(serial, key: key, user: user, now: now)
            }
        default:
            throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }

    private func wire(_ value: some Encodable) throws(ServerError) -> [UInt8] {
        do {
            return try InventoryFormat.wire(value)
        } catch {
            throw ServerError(.internal, error.description)
        }
    }
}

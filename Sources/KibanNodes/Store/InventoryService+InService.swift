import KibanInventory

extension InventoryService {
    /// The machine `serial` as read, with a compare on its record.
    /// - Throws: ``NodeError`` `notFound` when it is not in the inventory.
    func existing(_ serial: String) async throws -> MachineSnapshot {
        guard let snapshot = try await snapshot(serial) else { throw NodeError(.notFound, "machine \(serial) is not in the inventory") }
        return snapshot
    }

    /// The machine `serial` as read, when it is not leaving service (`retiring`, `retired`).
    /// - Throws: ``NodeError`` `notFound`, or `refused` saying `refusing` (what is not done for
    ///   a machine leaving service).
    func inService(_ serial: String, refusing: String) async throws -> MachineSnapshot {
        let snapshot = try await existing(serial)
        guard ![.retiring, .retired].contains(snapshot.machine.state) else {
            throw NodeError(.refused, "machine \(serial) is \(snapshot.machine.state.rawValue): \(refusing)")
        }
        return snapshot
    }
}

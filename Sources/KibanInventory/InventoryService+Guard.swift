public import KibanStore

/// A machine as read, with a compare that holds while it stays as read: other subsystems put
/// the compare into their own transactions to act on a machine's state atomically (for
/// example, the disk-key escrow refuses keys for a machine that is retiring).
public struct MachineSnapshot: Sendable {
    /// The machine when it was read.
    public var machine: Machine
    /// True while the machine's record is unchanged since the read.
    public var unchanged: Compare
}

extension InventoryService {
    /// The machine with `serial` and a compare on its record, or nil when there is none.
    public func snapshot(_ serial: String) async throws -> MachineSnapshot? {
        let key = InventoryKeys.machine(serial)
        guard let kv = try await store.get(key) else { return nil }
        let machine = try InventoryCodec.decode(Machine.self, kv.value, what: "machine \(serial)")
        return MachineSnapshot(machine: machine, unchanged: Compare(key, .equal, .modRevision(kv.modRevision)))
    }
}

import Foundation

/// The inventory's key schema in the store, version 1 (docs/schema.md, "Inventory"). Every key
/// lives under `inventory/`; a serial never contains `/` (``Registrar`` refuses it), so a serial
/// always ends a key.
enum InventoryKeys {
    /// The schema version this code writes and reads.
    static let schemaVersion = "1"
    /// Holds ``schemaVersion``; written with the first IPAM configuration.
    static let schema = key("inventory/schema")
    /// The IPAM configuration (JSON, sabakan's field names).
    static let ipam = key("inventory/ipam")
    /// The number of machines (decimal). Every import and removal compares and rewrites it, which
    /// serializes them, and `setIPAM` compares it, which is the IPAM lock.
    static let count = key("inventory/machine-count")
    /// Machines by serial.
    static let machines = "inventory/machines/"
    /// Index bookkeeping per rack: JSON `{"<index>": "<serial>"}` (sabakan's `node-indices/<rack>`).
    static let racks = "inventory/racks/"
    /// Secondary keys for rack queries: `by-rack/<rack>/<serial>`, empty value.
    static let byRack = "inventory/by-rack/"
    /// Secondary keys for state queries: `by-state/<state>/<serial>`, empty value.
    static let byState = "inventory/by-state/"
    /// Audit records of schema 1 before the one audit log (`audit/<YYYYMMDD>/<read revision,
    /// 16 hex>/<category>/<instance>/<action>`); read only to move them into ``AuditLog``.
    static let audit = "inventory/audit/"
    /// The audit retention of schema 1; moved to ``AuditLog/retentionKey`` at start.
    static let auditRetention = key("inventory/audit-retention")

    static func key(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func machine(_ serial: String) -> [UInt8] { key(machines + serial) }
    static func rack(_ rack: Int) -> [UInt8] { key(racks + String(rack)) }
    static func byRack(_ rack: Int, _ serial: String) -> [UInt8] { key("\(byRack)\(rack)/\(serial)") }
    static func byState(_ state: MachineState, _ serial: String) -> [UInt8] { key("\(byState)\(state)/\(serial)") }

    /// The serial that ends a secondary or machine key.
    static func serial(of key: [UInt8]) -> String {
        String(decoding: key.split(separator: UInt8(ascii: "/")).last ?? [], as: UTF8.self)
    }
}

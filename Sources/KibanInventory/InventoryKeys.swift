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
    /// Audit records: `audit/<YYYYMMDD>/<read revision, 16 hex>/<category>/<instance>/<action>`.
    static let audit = "inventory/audit/"
    /// The audit retention in seconds (decimal); absent means the default, 60 days.
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

    /// The audit key of a change. `readRevision` is the revision the change's inputs were read
    /// at: two changes of one instance can share it only if they raced, and then the compare on
    /// the instance lets one of them through, so keys never collide.
    static func audit(day: String, readRevision: Int64, category: String, instance: String, action: String) -> [UInt8] {
        let rev = String(UInt64(bitPattern: readRevision), radix: 16)
        return key("\(audit)\(day)/\(String(repeating: "0", count: 16 - rev.count))\(rev)/\(category)/\(instance)/\(action)")
    }

    /// The UTC day of `date` as `YYYYMMDD` (audit keys are bucketed by day, as in sabakan).
    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        let (y, m, d) = (c.year ?? 1970, c.month ?? 1, c.day ?? 1)
        return String(format: "%04d%02d%02d", y, m, d)
    }
}

public import Foundation

/// The cluster's one audit log: its keys, its retention setting and the operation that writes an
/// entry. **An entry is written in the same transaction as the change it records** — append
/// ``put(_:unique:)`` to the change's own `Txn` — so a change that fails leaves no entry and a
/// change that commits always has one.
///
/// Keys are `/kiban/audit-log/<unix µs, 16 hex>-<random, 16 hex>`: in time order, so a time window is a
/// key range and pruning by age is a range delete. The `/kiban/` prefix keeps the log out of
/// the generic kv API.
public enum AuditLog {
    /// Where every entry lives.
    public static let prefix = Array("/kiban/audit-log/".utf8)
    /// The retention in seconds (decimal); absent means ``retentionDefaultSeconds``.
    public static let retentionKey = Array("/kiban/audit-retention".utf8)
    /// How long entries are kept when no retention was set: 60 days (sabakan's).
    public static let retentionDefaultSeconds: TimeInterval = 60 * 86_400
    /// The retentions an operator may set: one second (for tests of pruning) to ten years.
    public static let retentionSeconds: ClosedRange<TimeInterval> = 1...(3650 * 86_400)
    /// The most entries one page of a listing returns.
    public static let pageEntriesMax = 1_000
    /// The most keys one listing request scans for matches before it answers with a cursor.
    public static let pageScanKeysMax = 10_000

    /// The operation that writes `entry`. `unique` tells apart entries of one microsecond (an
    /// import writes thousands with one time; 64 random bits make a collision negligible).
    /// - Throws: ``StoreError`` `badRequest` when the entry cannot be encoded.
    public static func put(_ entry: AuditEntry, unique: UInt64 = .random(in: .min ... .max)) throws(StoreError) -> Operation {
        var stored = entry
        stored.id = nil
        stored.revision = nil
        return .put(key: key(time: entry.time, unique: unique), value: try Store.encode(stored), lease: 0)
    }

    /// The key of an entry made at `time`.
    public static func key(time: Date, unique: UInt64) -> [UInt8] {
        prefix + Array("\(timeKey(time))-\(hex(unique, width: 16))".utf8)
    }

    /// The first key of entries made at or after `time`.
    static func start(_ time: Date) -> [UInt8] { prefix + Array(timeKey(time).utf8) }

    static func timeKey(_ time: Date) -> String {
        hex(UInt64(max(0, (time.timeIntervalSince1970 * 1e6).rounded(.down))), width: 16)
    }

    static func hex(_ value: UInt64, width: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// The entry at `kv`, with its id and revision.
    /// - Throws: ``StoreError`` `badRequest` when the value is not an entry.
    public static func entry(_ kv: KeyValue) throws(StoreError) -> AuditEntry {
        var entry = try Store.decode(AuditEntry.self, kv)
        entry.id = String(decoding: kv.key.dropFirst(prefix.count), as: UTF8.self)
        entry.revision = kv.modRevision
        return entry
    }
}

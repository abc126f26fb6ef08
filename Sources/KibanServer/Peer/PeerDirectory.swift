import Synchronization

/// Who the members are and where to reach them: refreshed from `/kiban/members/` in the store,
/// seeded from the join answer before the store has caught up. The peer server refuses a
/// connection from an id that is not here, or whose certificate names another member.
final class PeerDirectory: Sendable {
    private let members = Mutex<[UInt64: MemberRecord]>([:])
    private let denied = Mutex<Set<String>>([])

    /// Replaces the whole list (a removed member disappears).
    func replace(_ records: [MemberRecord]) {
        members.withLock { m in m = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { $1 }) }
    }

    /// Adds or updates one member.
    func upsert(_ record: MemberRecord) { members.withLock { $0[record.id] = record } }

    /// Forgets a removed member at once (the store refresh would within half a second).
    func remove(_ id: UInt64) { _ = members.withLock { $0.removeValue(forKey: id) } }

    func record(_ id: UInt64) -> MemberRecord? { members.withLock { $0[id] } }

    /// Replaces the serials of removed members' certificates (``DeniedCertificate``).
    func replaceDenied(_ serials: Set<String>) { denied.withLock { $0 = serials } }

    /// Adds one at once (the removal that denies it knows before the store refresh).
    func deny(serial: String) { _ = denied.withLock { $0.insert(serial) } }

    func isDenied(serial: String) -> Bool { denied.withLock { $0.contains(serial) } }

    var all: [MemberRecord] { members.withLock { Array($0.values) }.sorted { $0.id < $1.id } }
}

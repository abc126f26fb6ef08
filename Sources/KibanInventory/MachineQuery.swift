/// A machine query with sabakan's semantics (`GET machines?…`): within one field the values are
/// ORed, labels are ANDed (each `key=value` must hold; several values of one key are ORed), and
/// every `without` field excludes machines that match it. An empty query matches every machine.
public struct MachineQuery: Sendable, Hashable {
    /// What a machine must match: every non-empty field.
    public var matching = MachineFilter()
    /// What excludes a machine: any non-empty field it matches.
    public var without = MachineFilter()

    /// A query matching every machine.
    public init() {}

    /// A query matching every machine.
    public static var all: MachineQuery { MachineQuery() }

    /// True when `machine` is selected.
    public func matches(_ m: Machine) -> Bool {
        matching.fieldMatches(m).allSatisfy { $0 != false } && !without.fieldMatches(m).contains(true)
    }
}

/// Values per field of a machine; each non-empty field matches a machine holding one of its
/// values (for labels: holding, for each key, one of that key's values).
public struct MachineFilter: Sendable, Hashable {
    /// Serials.
    public var serial: Set<String> = []
    /// Racks.
    public var rack: Set<Int> = []
    /// Roles.
    public var role: Set<String> = []
    /// States.
    public var state: Set<MachineState> = []
    /// BMC types.
    public var bmcType: Set<String> = []
    /// Node or BMC IPv4 addresses.
    public var ipv4: Set<IPv4> = []
    /// Labels: key → accepted values.
    public var labels: [String: Set<String>] = [:]

    /// An empty filter.
    public init() {}

    /// Per field: nil when the field is empty, else whether `m` matches it. A `labels` filter
    /// is one entry per key, so that a query ANDs keys and an exclusion ORs them.
    func fieldMatches(_ m: Machine) -> [Bool?] {
        let r = m.registration
        func check<T>(_ values: Set<T>, _ value: T) -> Bool? { values.isEmpty ? nil : values.contains(value) }
        let addresses = Set(m.ipv4 + [m.bmcIPv4])
        return [
            check(serial, r.serial), check(rack, r.rack), check(role, r.role), check(state, m.state),
            check(bmcType, r.bmcType), ipv4.isEmpty ? nil : !ipv4.isDisjoint(with: addresses),
        ]
            + labels.map { key, values in r.labels[key].map(values.contains) ?? false }
    }
}

public import KibanStore

/// Reading machines: narrowed by the secondary keys when the query names serials, racks or
/// states, then filtered by ``MachineQuery/matches(_:)``.
extension InventoryService {
    /// Candidates above this many are read with one range over every machine instead of one
    /// read each: past it, the single range is cheaper.
    static let pointReadsMax = 256

    /// The machine with `serial`, or nil; `.serializable` reads this member's applied state
    /// (the node API on every heartbeat).
    public func machine(_ serial: String, consistency: ReadConsistency = .linearizable) async throws -> Machine? {
        guard let kv = try await store.get(InventoryKeys.machine(serial), consistency: consistency) else { return nil }
        return try InventoryCodec.decode(Machine.self, kv.value, what: "machine \(serial)")
    }

    /// The machines `query` selects, by serial. Linearizable: it sees every change acknowledged
    /// before the call.
    /// Every machine as this member has applied them: a serializable read that answers without
    /// a quorum (possibly a moment behind the leader), for monitoring.
    public func localMachines() async throws -> [Machine] {
        let read = try await store.range(.prefix(InventoryKeys.key(InventoryKeys.machines)), consistency: .serializable)
        return try cache.machines(read.kvs, complete: true)
    }

    public func machines(_ query: MachineQuery = .all) async throws -> [Machine] {
        try await checkSchema()
        guard let serials = try await candidates(query), serials.count <= Self.pointReadsMax else {
            let read = try await store.range(.prefix(InventoryKeys.key(InventoryKeys.machines)))
            return try cache.machines(read.kvs, complete: true).filter(query.matches)
        }
        var kvs: [KeyValue] = []
        // The candidates were read linearizably just now, so this member has applied at least
        // that far: local (serializable) reads here see the same or newer state.
        for serial in serials.sorted() {
            if let kv = try await store.get(InventoryKeys.machine(serial), consistency: .serializable) { kvs.append(kv) }
        }
        return try cache.machines(kvs).filter(query.matches)
    }

    /// The serials that may match, from the most selective field the query names; nil when it
    /// names none (every machine is a candidate).
    func candidates(_ query: MachineQuery) async throws -> Set<String>? {
        if !query.matching.serial.isEmpty {
            _ = try await store.get(InventoryKeys.count)  // a read barrier for the point reads after it
            return query.matching.serial
        }
        let prefixes: [String]
        if !query.matching.rack.isEmpty {
            prefixes = query.matching.rack.map { "\(InventoryKeys.byRack)\($0)/" }
        } else if !query.matching.state.isEmpty {
            prefixes = query.matching.state.map { "\(InventoryKeys.byState)\($0)/" }
        } else {
            return nil
        }
        var serials: Set<String> = []
        for p in prefixes {
            for kv in try await store.range(.prefix(InventoryKeys.key(p))).kvs {
                serials.insert(InventoryKeys.serial(of: kv.key))
            }
        }
        return serials
    }
}

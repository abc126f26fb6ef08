public import Foundation
public import KibanStore

/// The machine inventory kept in the replicated store: the IPAM configuration, machines with
/// their rack indexes and states, and their part of the audit log. Every change is one store transaction that
/// also writes its audit record, guarded by compares on the revisions it read and retried when
/// another member won the race (compare-on-revision). Reads are linearizable.
///
/// The caller supplies the Unix user and the time of each change; nothing here reads a clock.
///
/// ```swift
/// let inventory = InventoryService(store: store)
/// try await inventory.setIPAM(ipam, user: "alice", now: .now)
/// let added = try await inventory.importMachines(registrations, user: "alice", now: .now)
/// let rack1 = try await inventory.machines(MachineQuery(parameters: [("rack", "1")]))
/// ```
///
/// Methods throw ``InventoryError`` for what the operator must fix, and `StoreError` when the
/// store cannot answer (no leader, stopped).
public struct InventoryService: Sendable {
    /// The store the inventory lives in.
    public let store: Store
    /// The member this service runs on, named in the audit entries it writes.
    public var auditMember = ""
    /// How often a compare-on-revision write is retried after losing a race.
    public var attemptsMax: Int = 32
    /// The most bytes of keys and values one import may write in its transaction: below the
    /// store's proposal limit (8 MiB), with room for the encoding's framing.
    public var transactionBytesMax = 7 << 20
    /// Machines decoded earlier, shared by copies of this service.
    let cache = MachineCache()

    /// Creates the service over `store`.
    public init(store: Store) {
        self.store = store
    }

    /// The IPAM configuration, or nil when none is set yet.
    public func ipam() async throws -> IPAMConfig? {
        try await checkSchema()
        guard let kv = try await store.get(InventoryKeys.ipam) else { return nil }
        return try InventoryCodec.decode(IPAMConfig.self, kv.value, what: "the IPAM configuration")
    }

    /// Sets the IPAM configuration, which is allowed only while no machine is registered
    /// (addresses already handed out would otherwise change under running machines).
    /// Returns the store revision of the change.
    /// - Throws: ``InventoryError`` `invalidIPAM` listing every problem; `ipamLocked` when
    ///   machines exist.
    @discardableResult
    public func setIPAM(_ config: IPAMConfig, user: String, now: Date) async throws -> Int64 {
        let problems = config.problems
        guard problems.isEmpty else {
            throw InventoryError(.invalidIPAM, "the IPAM configuration is not valid; nothing was changed", problems: problems)
        }
        let value = try InventoryCodec.encode(config)
        for _ in 0..<attemptsMax {
            // Compared on both: the count is the lock, the configuration's own revision makes
            // two racing `setIPAM`s (which would share an audit key) commit one at a time.
            let current = try await store.get(InventoryKeys.ipam)
            let read = try await store.range(.key(InventoryKeys.count))
            let count = read.kvs.first.map { Int(String(decoding: $0.value, as: UTF8.self)) ?? 0 } ?? 0
            guard count == 0 else {
                throw InventoryError(
                    .ipamLocked,
                    "the IPAM configuration cannot change while \(count) machine\(count == 1 ? " is" : "s are") registered: their addresses were computed from it. Remove every machine first (retire, then remove), or keep the current configuration"
                )
            }
            let audit = try auditPut(
                category: "ipam", instance: "ipam", action: "set",
                detail: String(decoding: value, as: UTF8.self), user: user, now: now)
            let result = try await store.txn(
                Txn(
                    compares: [
                        Compare(InventoryKeys.count, .equal, .modRevision(read.kvs.first?.modRevision ?? 0)),
                        Compare(InventoryKeys.ipam, .equal, .modRevision(current?.modRevision ?? 0)),
                    ],
                    success: [
                        .put(key: InventoryKeys.ipam, value: value, lease: 0),
                        .put(key: InventoryKeys.schema, value: Array(InventoryKeys.schemaVersion.utf8), lease: 0),
                        audit,
                    ]))
            if result.succeeded { return result.revision }
        }
        throw lostRaces("setting the IPAM configuration")
    }

    /// Refuses to work on inventory data a newer kiban wrote.
    func checkSchema() async throws {
        guard let kv = try await store.get(InventoryKeys.schema, consistency: .serializable) else { return }
        let version = String(decoding: kv.value, as: UTF8.self)
        guard version == InventoryKeys.schemaVersion else {
            throw InventoryError(
                .unsupportedSchema,
                "the inventory in the store has schema version \(version); this kiban reads version \(InventoryKeys.schemaVersion). Upgrade kiban on this server"
            )
        }
    }

    func lostRaces(_ what: String) -> InventoryError {
        InventoryError(.conflict, "\(what) lost \(attemptsMax) races to concurrent changes; retry")
    }
}

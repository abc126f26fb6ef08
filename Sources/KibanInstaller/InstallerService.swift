public import Foundation
public import KibanInventory
public import KibanStore

/// The installer on the store: the cluster spec (`kiban k8s spec set|get`), and the world the
/// planner decides on, read from the inventory and the installer's own records. Everything lives
/// under `/kiban/k8s/`, out of reach of the kv API, so a spec is always one that passed its checks.
///
/// ```swift
/// let installer = InstallerService(store: store)
/// let stored = try await installer.setSpec(document: Array(yaml.utf8), audit: entry)
/// let next = try await installer.plan()    // the next batch, as a dry run
/// ```
public struct InstallerService: Sendable {
    /// The store the records live in.
    public let store: Store
    /// The inventory the machines come from.
    public let inventory: InventoryService

    /// Creates the service over `store`.
    public init(store: Store, inventory: InventoryService? = nil) {
        self.store = store
        self.inventory = inventory ?? InventoryService(store: store)
    }

    /// The keys of the installer's records.
    public enum Keys {
        /// The spec, with the document it was read from.
        public static let spec = Array("/kiban/k8s/spec".utf8)
        /// The prefix of the Kubernetes etcd's members, by machine serial.
        public static let etcdPrefix = "/kiban/k8s/etcd/"
        /// The prefix of the nodes set up, by machine serial.
        public static let nodesPrefix = "/kiban/k8s/nodes/"
    }

    /// The stored spec: what was parsed and the document as the operator wrote it.
    public struct StoredSpec: Sendable, Hashable, Codable {
        public var spec: ClusterSpec
        public var document: String
        public var updated: Date
    }

    /// Parses, checks and stores a spec document; `audit`, when given, is written in the same
    /// transaction with the spec's name as its subject and its version as the detail.
    /// - Returns: what was stored.
    /// - Throws: ``SpecError`` listing every problem (nothing is stored then).
    @discardableResult
    public func setSpec(document: [UInt8], audit: AuditEntry? = nil, now: Date = Date()) async throws -> StoredSpec {
        guard document.count <= Self.documentBytesMax else { throw SpecError(["a spec document is at most \(Self.documentBytesMax) bytes"]) }
        let spec = try ClusterSpec.parse(document: document)
        let stored = StoredSpec(spec: spec, document: String(decoding: document, as: UTF8.self), updated: now)
        let put = KibanStore.Operation.put(key: Keys.spec, value: try Store.encode(stored), lease: 0)
        let entry = audit.map { entry in
            var entry = entry
            entry.subject = spec.name
            entry.detail = "Kubernetes \(spec.kubernetesVersion)"
            return entry
        }
        _ = try await store.txn(Txn(success: [put] + (try entry.map { [try AuditLog.put($0)] } ?? [])))
        return stored
    }

    /// The most bytes a spec document may have.
    public static let documentBytesMax = 256 << 10

    /// The stored spec, if one was set.
    public func spec(consistency: ReadConsistency = .linearizable) async throws -> StoredSpec? {
        try await store.record(StoredSpec.self, at: Keys.spec, consistency: consistency)?.value
    }

    /// The world as the store holds it: every machine of the inventory, the etcd members and the
    /// nodes the installer recorded.
    public func world(consistency: ReadConsistency = .linearizable) async throws -> World {
        let machines = try await inventory.machines().map {
            World.Machine(serial: $0.serial, rack: $0.registration.rack, role: $0.registration.role, labels: $0.registration.labels, state: $0.state)
        }
        let etcd = try await store.range(.prefix(Array(Keys.etcdPrefix.utf8)), consistency: consistency).kvs.map {
            try Store.decode(World.EtcdMember.self, $0)
        }
        let nodes = try await store.range(.prefix(Array(Keys.nodesPrefix.utf8)), consistency: consistency).kvs.map {
            try Store.decode(World.Node.self, $0)
        }
        return World(machines: machines, etcd: etcd, nodes: nodes)
    }

    /// The planner's next batch for the stored spec and world, as a dry run (nothing is carried
    /// out); nil when no spec is set.
    public func plan() async throws -> (spec: ClusterSpec, decision: Decision)? {
        guard let stored = try await spec() else { return nil }
        return (stored.spec, Planner(spec: stored.spec, world: try await world()).decide())
    }
}

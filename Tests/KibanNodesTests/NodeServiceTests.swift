import Foundation
import KibanCA
import KibanInventory
import KibanNodes
import KibanStore
import KibanTestSupport
import Testing

/// A one-member store with sabakan's example IPAM and three machines of rack 1.
func nodeFixture() async throws -> (StoreCluster, NodeService) {
    let cluster = try await StoreCluster(members: 1, label: "kiban-nodes-test")
    let inventory = InventoryService(store: cluster.stores[0])
    let ipam = try exampleIPAM()
    try await inventory.setIPAM(ipam, user: "alice", now: nodeT0)
    try await inventory.importMachines(
        ["KB-1", "KB-2", "KB-3"].map {
            MachineRegistration(serial: $0, rack: 1, role: "worker", bmcType: "IPMI-2.0")
        }, user: "alice", now: nodeT0)
    return (cluster, NodeService(store: cluster.stores[0], inventory: inventory))
}

let nodeT0 = Date(timeIntervalSince1970: 1_800_000_000)

@Suite("Nodes on the store")
struct NodeServiceTests {
    @Test("Facts are written when they change and only then")
    func facts() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        var facts = NodeFacts(serial: "KB-1", nics: [.init(name: "eno1", mac: "52:54:00:00:00:01")], kernel: "6.1.0")
        let before = try await cluster.stores[0].range(.prefix([])).revision
        #expect(try await nodes.recordFacts(facts))
        #expect(try await !nodes.recordFacts(facts))
        #expect(try await cluster.stores[0].range(.prefix([])).revision == before + 1, "the repeated report cost no write")
        facts.kernel = "6.1.1"
        #expect(try await nodes.recordFacts(facts))
        #expect(try await nodes.facts("KB-1")?.kernel == "6.1.1")
    }

    @Test("Facts of a machine the inventory does not hold, or past their bounds, are refused")
    func refusedFacts() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        await #expect(throws: NodeError.self) { try await nodes.recordFacts(NodeFacts(serial: "KB-9")) }
        await #expect(throws: NodeError.self) { try await nodes.recordFacts(NodeFacts(serial: "KB-1", kernel: "\u{7}")) }
        #expect(try await nodes.facts("KB-9") == nil)
    }

    @Test("Heartbeats move machines through the lifecycle table, audited; operators' states stay")
    func health() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        try await nodes.inventory.setState("KB-3", .retiring, user: "alice", now: nodeT0)
        var ledger = HeartbeatLedger(since: nodeT0, rules: HealthRules(heartbeatSeconds: 5, missedHeartbeats: 3))
        for serial in ["KB-1", "KB-2", "KB-3"] {
            ledger.record(serial, HealthReport(received: nodeT0 + 1, checks: [.init(name: "kubelet", passed: true)]))
        }
        let first = try await nodes.applyHealth(ledger, now: nodeT0 + 2)
        #expect(first.map(\.serial) == ["KB-1", "KB-2"])
        #expect(try await nodes.inventory.machine("KB-3")?.state == .retiring)

        ledger.record("KB-1", HealthReport(received: nodeT0 + 10, checks: [.init(name: "kubelet", passed: false, detail: "inactive")]))
        let second = try await nodes.applyHealth(ledger, now: nodeT0 + 18)
        #expect(second.map(\.serial) == ["KB-1", "KB-2"])
        #expect(try await nodes.inventory.machine("KB-1")?.state == .unhealthy)
        #expect(try await nodes.inventory.machine("KB-2")?.state == .unreachable)
        #expect(try await nodes.applyHealth(ledger, now: nodeT0 + 19).isEmpty, "nothing changes twice")

        let audit = try await nodes.inventory.auditLog(since: nodeT0 - 1, until: nodeT0 + 3600).filter { $0.user == NodeService.healthUser }
        #expect(audit.count == 4)
    }

    @Test("Checks per role are validated as a whole and read back")
    func checks() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let checks = [HealthCheck(name: "kubelet", unit: "kubelet.service"), HealthCheck(name: "disk", path: "/dev/vda")]
        try await nodes.setChecks(checks, role: "worker")
        #expect(try await nodes.checks(role: "worker") == checks)
        await #expect(throws: NodeError.self) { try await nodes.setChecks([HealthCheck(name: "bad")], role: "worker") }
        #expect(try await nodes.checks(role: "worker") == checks, "a refused list changes nothing")
        try await nodes.setChecks(
            [], role: "worker", audit: AuditEntry(time: nodeT0, actor: "alice", member: "m1", action: "nodes.checks.set", subject: "worker"))
        #expect(try await nodes.checks(role: "worker").isEmpty)
        let audit = try await nodes.store.auditLog(AuditQuery(action: "nodes.checks")).entries
        #expect(audit.map(\.subject) == ["worker"], "the audit entry came with the change")
    }
}

@Suite("Disk-key escrow")
struct DiskKeyEscrowTests {
    @Test("A key is sealed at rest, opens only for its own machine, and the first key stays")
    func escrow() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let escrow = DiskKeyEscrow(store: nodes.store, kek: KeyEncryptionKey.create())
        let key = (0..<64).map { UInt8($0) }
        #expect(try await escrow.escrow(key, serial: "KB-1", device: "nvme0n1", now: nodeT0))
        #expect(try await !escrow.escrow(Array(repeating: 7, count: 64), serial: "KB-1", device: "nvme0n1", now: nodeT0))
        #expect(try await escrow.key(serial: "KB-1", device: "nvme0n1", requester: "KB-1") == key)

        let stored = try #require(try await nodes.store.get(NodeKeys.diskKey("KB-1", "nvme0n1")))
        #expect(
            !stored.value.indices.dropLast(7).contains { Array(stored.value[$0..<$0 + 8]) == Array(key[0..<8]) },
            "the key's bytes are not in the stored record")
        await #expect(throws: NodeError.self) { try await escrow.key(serial: "KB-1", device: "nvme0n1", requester: "KB-2") }
        await #expect(throws: NodeError.self) { try await escrow.key(serial: "KB-2", device: "nvme0n1", requester: "KB-2") }
    }

    @Test("Another cluster's key-encryption key cannot open an escrowed key")
    func otherKEK() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        try await DiskKeyEscrow(store: nodes.store, kek: .create()).escrow(Array(repeating: 1, count: 32), serial: "KB-1", device: "sda", now: nodeT0)
        await #expect(throws: CAError.self) {
            try await DiskKeyEscrow(store: nodes.store, kek: .create()).key(serial: "KB-1", device: "sda", requester: "KB-1")
        }
    }

    @Test("Listing shows devices and times, never keys; deleting removes every key of the machine")
    func listAndDelete() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let escrow = DiskKeyEscrow(store: nodes.store, kek: .create())
        for device in ["sda", "sdb"] { try await escrow.escrow(Array(repeating: 2, count: 32), serial: "KB-1", device: device, now: nodeT0) }
        try await escrow.escrow(Array(repeating: 3, count: 32), serial: "KB-2", device: "sda", now: nodeT0)
        #expect(try await escrow.list(serial: "KB-1").map(\.device) == ["sda", "sdb"])
        try await InventoryService(store: nodes.store).setState("KB-1", .retiring, user: "alice", now: nodeT0)
        #expect(try await escrow.delete(serial: "KB-1") == 2)
        #expect(try await escrow.list(serial: "KB-1").isEmpty)
        #expect(try await escrow.list(serial: "KB-2").count == 1, "another machine's keys stay")
    }

    @Test("Names that could leave the machine's prefix are refused", arguments: ["../KB-2/sda", "a/b", "", ".."])
    func names(device: String) async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let escrow = DiskKeyEscrow(store: nodes.store, kek: .create())
        await #expect(throws: NodeError.self) { try await escrow.escrow(Array(repeating: 1, count: 32), serial: "KB-1", device: device, now: nodeT0) }
    }
}

import Foundation
import KibanInstaller
import KibanInventory
import KibanStore
import KibanTestSupport
import Testing

@Suite("Installer on the store")
struct InstallerServiceTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A one-member store with four machines in racks 0–3, three of them healthy.
    func fixture() async throws -> (StoreCluster, InstallerService) {
        let cluster = try await StoreCluster(members: 1, label: "kiban-installer-test")
        let inventory = InventoryService(store: cluster.stores[0])
        let ipam = try exampleIPAM()
        try await inventory.setIPAM(ipam, user: "alice", now: Self.t0)
        let serials = ["A", "B", "C", "D"]
        try await inventory.importMachines(
            serials.enumerated().map { MachineRegistration(serial: $1, rack: $0, role: "cs", bmcType: "IPMI-2.0") }, user: "alice", now: Self.t0)
        for serial in serials.prefix(3) { _ = try await inventory.setState(serial, .healthy, user: "alice", now: Self.t0) }
        return (cluster, InstallerService(store: cluster.stores[0], inventory: inventory))
    }

    @Test("A spec is stored with its document and audit entry; the plan reads the inventory")
    func specAndPlan() async throws {
        let (cluster, installer) = try await fixture()
        defer { Task { await cluster.stop() } }
        #expect(try await installer.plan() == nil)
        let document = """
            name: dc1
            kubernetes-version: 1.31.2
            control-plane: {count: 3, select: {roles: [cs]}}
            workers: {select: {roles: [cs]}}
            service-subnet: 10.96.0.0/16
            pod-subnet: 10.64.0.0/14
            cluster-dns: 10.96.0.10
            etcd: {version: 3.5.16}
            """
        let audit = AuditEntry(time: Self.t0, actor: "alice", member: "boot-1", action: "k8s.spec.set", subject: "dc1", detail: "")
        try await installer.setSpec(document: Array(document.utf8), audit: audit, now: Self.t0)
        let stored = try #require(try await installer.spec())
        #expect(stored.document == document && stored.spec.name == "dc1")
        let entries = try await cluster.stores[0].auditLog(AuditQuery(action: "k8s")).entries
        #expect(entries.map(\.action) == ["k8s.spec.set"])
        let plan = try #require(try await installer.plan())
        #expect(plan.decision.steps == [.bootstrapEtcd(["A", "B", "C"])])
    }

    @Test("A spec with problems is refused and the stored one stays")
    func refused() async throws {
        let (cluster, installer) = try await fixture()
        defer { Task { await cluster.stop() } }
        await #expect(throws: SpecError.self) { try await installer.setSpec(document: Array("name: BAD\nmystery: 1".utf8)) }
        #expect(try await installer.spec() == nil)
        let big = [UInt8](repeating: UInt8(ascii: "#"), count: InstallerService.documentBytesMax + 1)
        await #expect(throws: SpecError.self) { try await installer.setSpec(document: big) }
    }
}

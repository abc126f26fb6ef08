import Foundation
import KibanInventory
import KibanStore
import KibanTestSupport
import Testing

@Suite("Inventory service on a real store")
struct InventoryServiceTests {
    @Test("sabakan's worked example end to end: rack 1 index 5 gets 10.69.0.197, 10.69.1.5, 10.69.1.69 and BMC 10.72.17.37")
    func workedExample() async throws {
        let (cluster, inventory) = try await exampleInventory()
        let file = """
            [
              { "serial": "boot1", "rack": 1, "role": "boot", "bmc": { "type": "iDRAC-9" } },
              { "serial": "cs1a", "rack": 1, "role": "cs", "bmc": { "type": "IPMI-2.0" } },
              { "serial": "cs1b", "labels": {"product": "R630"}, "rack": 1, "role": "cs", "bmc": { "type": "IPMI-2.0" } },
              { "serial": "cs0a", "rack": 0, "role": "cs", "bmc": { "type": "IPMI-2.0" }, "retire-date": "2030-01-01T00:00:00Z" }
            ]
            """
        try await inventory.importMachines(try InventoryFormat.registrations(from: Array(file.utf8)), user: "alice", now: t0)
        let m = try #require(try await inventory.machine("cs1b"))
        #expect(m.indexInRack == 5)
        #expect(m.ipv4.map(\.description) == ["10.69.0.197", "10.69.1.5", "10.69.1.69"])
        #expect(m.bmcIPv4.description == "10.72.17.37")
        let doc = MachineDocument(m, ipam: try exampleIPAM(), now: t0)
        #expect(doc.info.network.ipv4.first?.gateway == "10.69.0.193")
        let rack0 = try #require(try await inventory.machine("cs0a"))
        #expect(rack0.ipv4.map(\.description) == ["10.69.0.4", "10.69.0.68", "10.69.0.132"])
        #expect(rack0.bmcIPv4.description == "10.72.17.4")
        #expect(rack0.registration.retireDate == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(try await inventory.machines(MachineQuery(parameters: [("rack", "1")])).map(\.serial) == ["boot1", "cs1a", "cs1b"])
        await cluster.stop()
    }

    @Test("An import with one bad machine leaves nothing behind and reports every problem")
    func atomicImport() async throws {
        let (cluster, inventory) = try await exampleInventory()
        try await inventory.importMachines([reg("taken", rack: 2)], user: "alice", now: t0)
        let before = try await inventory.auditLog(since: t0, until: t0 + 1)
        let error = await #expect(throws: InventoryError.self) {
            try await inventory.importMachines(
                [
                    reg("fine", rack: 2), reg("taken", rack: 2), reg("bad serial", rack: 2),
                    reg("b1", rack: 2, role: "boot"), reg("b2", rack: 2, role: "boot"),
                ],
                user: "alice", now: t0)
        }
        #expect(error?.code == .invalidMachine)
        #expect(error?.problems.count == 3)
        #expect(try await inventory.machines().map(\.serial) == ["taken"])
        #expect(try await inventory.auditLog(since: t0, until: t0 + 1) == before)
        await cluster.stop()
    }

    @Test("Importing before an IPAM configuration exists says to set one")
    func importNeedsIPAM() async throws {
        let cluster = try await StoreCluster(members: 1)
        let error = await #expect(throws: InventoryError.self) {
            try await cluster.inventory().importMachines([reg("a", rack: 0)], user: "alice", now: t0)
        }
        #expect(error?.code == .noIPAM)
        await cluster.stop()
    }

    @Test("The IPAM configuration is locked while machines exist, and free again once they are removed")
    func ipamLock() async throws {
        let (cluster, inventory) = try await exampleInventory()
        #expect(try await inventory.ipam() == (try exampleIPAM()))
        try await inventory.importMachines([reg("a", rack: 0)], user: "alice", now: t0)
        var changed = try exampleIPAM()
        changed.maxNodesInRack = 20
        let error = await #expect(throws: InventoryError.self) { try await inventory.setIPAM(changed, user: "alice", now: t0) }
        #expect(error?.code == .ipamLocked)
        #expect(error?.message.contains("1 machine is registered") == true)
        for state in [MachineState.retiring, .retired] { try await inventory.setState("a", state, user: "alice", now: t0) }
        try await inventory.remove("a", user: "alice", now: t0)
        try await inventory.setIPAM(changed, user: "alice", now: t0)
        #expect(try await inventory.ipam()?.maxNodesInRack == 20)
        await cluster.stop()
    }

    @Test("An invalid IPAM configuration is refused with every problem listed")
    func invalidIPAM() async throws {
        let cluster = try await StoreCluster(members: 1)
        var bad = try exampleIPAM()
        bad.maxNodesInRack = 0
        bad.nodeIPPerNode = 0
        let error = await #expect(throws: InventoryError.self) { try await cluster.inventory().setIPAM(bad, user: "alice", now: t0) }
        #expect(error?.code == .invalidIPAM)
        #expect(error?.problems.count == 2)
        #expect(try await cluster.inventory().ipam() == nil)
        await cluster.stop()
    }

    @Test("Only retired machines can be removed; a removed machine's index is free for the next import")
    func removal() async throws {
        let (cluster, inventory) = try await exampleInventory()
        try await inventory.importMachines([reg("a", rack: 4), reg("b", rack: 4)], user: "alice", now: t0)
        let error = await #expect(throws: InventoryError.self) { try await inventory.remove("a", user: "alice", now: t0) }
        #expect(error?.code == .notRetired)
        await #expect(throws: InventoryError.self) { try await inventory.remove("nope", user: "alice", now: t0) }
        for state in [MachineState.retiring, .retired] { try await inventory.setState("a", state, user: "alice", now: t0) }
        try await inventory.remove("a", user: "alice", now: t0)
        #expect(try await inventory.machine("a") == nil)
        #expect(try await inventory.machines(MachineQuery(parameters: [("state", "retired")])).isEmpty)
        let added = try await inventory.importMachines([reg("c", rack: 4)], user: "alice", now: t0)
        #expect(added.first?.indexInRack == 4)
        await cluster.stop()
    }
}

@Suite("Inventory limits")
struct InventoryLimitTests {
    @Test("An import larger than one transaction is refused whole, asking to split the file")
    func tooLarge() async throws {
        let (cluster, service) = try await exampleInventory()
        var inventory = service
        inventory.transactionBytesMax = 16 << 10
        let error = await #expect(throws: InventoryError.self) {
            try await inventory.importMachines((0..<100).map { reg("m\($0)", rack: $0 % 10) }, user: "alice", now: t0)
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("split the file") == true)
        #expect(try await inventory.machines().isEmpty)
        await cluster.stop()
    }
}

@Suite("Inventory schema version")
struct InventorySchemaTests {
    @Test("An inventory written with a newer schema version is refused with a request to upgrade")
    func newerSchema() async throws {
        let (cluster, inventory) = try await exampleInventory()
        try await inventory.store.put(Array("inventory/schema".utf8), Array("2".utf8))
        let error = await #expect(throws: InventoryError.self) { try await inventory.machines() }
        #expect(error?.code == .unsupportedSchema)
        #expect(error?.message.contains("Upgrade kiban") == true)
        await cluster.stop()
    }
}

import Foundation
import KibanInventory
import KibanStore
import KibanTestSupport
import Testing

@Suite("Inventory on a 3-member cluster")
struct ConcurrencyTests {
    @Test("Concurrent imports on two members never assign one index twice")
    func concurrentImports() async throws {
        let cluster = try await StoreCluster(members: 3)
        try await cluster.inventory(0).setIPAM(try exampleIPAM(), user: "alice", now: t0)
        // Both import into the same racks at once; compare-on-revision makes one retry.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for member in [1, 2] {
                let inventory = cluster.inventory(member)
                group.addTask {
                    for batch in 0..<4 {
                        let regs = (0..<3).map { reg("m\(member)-\(batch)-\($0)", rack: $0) }
                        try await inventory.importMachines(regs, user: "member\(member)", now: t0)
                    }
                }
            }
            try await group.waitForAll()
        }
        let machines = try await cluster.inventory(0).machines()
        #expect(machines.count == 24)
        for rack in 0..<3 {
            let indexes = machines.filter { $0.registration.rack == rack }.map(\.indexInRack)
            #expect(Set(indexes).count == 8)
            #expect(Set(indexes) == Set(4...11))
        }
        #expect(try await cluster.inventory(2).auditLog(since: t0, until: t0 + 1).count == 25)
        await cluster.stop()
    }
}

@Suite("Decoded-machine cache")
struct CacheTests {
    @Test("A query after changes made through another member sees them, not what it decoded before")
    func notStale() async throws {
        let cluster = try await StoreCluster(members: 3)
        let reader = cluster.inventory(0)
        let writer = cluster.inventory(1)
        try await writer.setIPAM(try exampleIPAM(), user: "alice", now: t0)
        try await writer.importMachines([reg("a", rack: 0), reg("b", rack: 0)], user: "alice", now: t0)
        #expect(try await reader.machines().map(\.state) == [.uninitialized, .uninitialized])
        for state in [MachineState.retiring, .retired] { try await writer.setState("a", state, user: "alice", now: t0) }
        try await writer.setState("b", .healthy, user: "alice", now: t0)
        #expect(try await reader.machines().map(\.state) == [.retired, .healthy])
        #expect(try await reader.machines(MachineQuery(parameters: [("serial", "b")])).first?.state == .healthy)
        try await writer.remove("a", user: "alice", now: t0)
        #expect(try await reader.machines().map(\.serial) == ["b"])
        await cluster.stop()
    }
}

@Suite("Racing IPAM changes")
struct IPAMRaceTests {
    @Test("Concurrent IPAM changes on two members each keep their audit record")
    func racingSetIPAM() async throws {
        let cluster = try await StoreCluster(members: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for member in [0, 2] {
                let inventory = cluster.inventory(member)
                group.addTask {
                    for n in 0..<3 {
                        var ipam = try exampleIPAM()
                        ipam.maxNodesInRack = 20 + member + n
                        try await inventory.setIPAM(ipam, user: "member\(member)", now: t0)
                    }
                }
            }
            try await group.waitForAll()
        }
        let log = try await cluster.inventory(1).auditLog(since: t0, until: t0 + 1)
        #expect(log.count == 6)
        #expect(Set(log.map(\.rev)).count == 6)
        await cluster.stop()
    }
}

@Suite("Inventory at scale")
struct ScaleTests {
    @Test("Thousands of machines import in one call through a follower and are queried by rack and state")
    func thousands() async throws {
        let cluster = try await StoreCluster(members: 3)
        try await cluster.inventory(0).setIPAM(try exampleIPAM(), user: "alice", now: t0)
        let regs = (0..<2000).map { reg(String(format: "S%05d", $0), rack: $0 % 80) }
        let added = try await cluster.inventory(2).importMachines(regs, user: "alice", now: t0)
        #expect(added.count == 2000)
        let rack7 = try await cluster.inventory(1).machines(MachineQuery(parameters: [("rack", "7")]))
        #expect(rack7.count == 25)
        #expect(Set(rack7.map(\.indexInRack)) == Set(4...28))
        #expect(try await cluster.inventory(0).machines(MachineQuery(parameters: [("state", "uninitialized")])).count == 2000)
        #expect(try await cluster.inventory(0).auditLog(since: t0, until: t0 + 1).count == 2001)
        await cluster.stop()
    }
}

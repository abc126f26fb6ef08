import Foundation
import KibanInventory
import KibanStore
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

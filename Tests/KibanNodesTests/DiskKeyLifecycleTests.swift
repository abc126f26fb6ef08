import Foundation
import KibanCA
import KibanInventory
import KibanNodes
import KibanStore
import KibanTestSupport
import Testing

/// sabakan's crypts rules on the machine lifecycle: keys only for machines in service, deleted
/// only while retiring, and no `retired` while keys remain.
@Suite("Disk keys and the machine lifecycle")
struct DiskKeyLifecycleTests {
    static let key = [UInt8](repeating: 9, count: 32)

    @Test("A machine that is not in the inventory, retiring or retired receives no key")
    func escrowRefused() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let escrow = DiskKeyEscrow(store: nodes.store, kek: .create())
        let inventory = InventoryService(store: nodes.store)
        await #expect { try await escrow.escrow(Self.key, serial: "NOPE-1", device: "sda", now: nodeT0) } throws: {
            ($0 as? NodeError)?.code == .notFound
        }
        try await inventory.setState("KB-2", .retiring, user: "alice", now: nodeT0)
        await #expect { try await escrow.escrow(Self.key, serial: "KB-2", device: "sda", now: nodeT0) } throws: {
            ($0 as? NodeError)?.code == .refused && "\($0)".contains("retiring")
        }
        try await inventory.setState("KB-2", .retired, user: "alice", now: nodeT0)
        await #expect { try await escrow.escrow(Self.key, serial: "KB-2", device: "sda", now: nodeT0) } throws: {
            ($0 as? NodeError)?.code == .refused
        }
        #expect(try await escrow.list(serial: "KB-2").isEmpty)
    }

    @Test("Keys are deleted only while the machine is retiring, and block retired until they are")
    func retireGuard() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let escrow = DiskKeyEscrow(store: nodes.store, kek: .create())
        let inventory = InventoryService(store: nodes.store)
        for device in ["nvme0n1", "nvme1n1"] { try await escrow.escrow(Self.key, serial: "KB-1", device: device, now: nodeT0) }
        #expect(try await escrow.retireBlocker(serial: "KB-1")?.contains("nvme0n1, nvme1n1") == true)
        #expect(try await escrow.retireBlocker(serial: "KB-2") == nil)
        await #expect { try await escrow.delete(serial: "KB-1") } throws: {
            ($0 as? NodeError)?.code == .refused && "\($0)".contains("only while it is retiring")
        }
        #expect(try await escrow.list(serial: "KB-1").count == 2, "a refused delete keeps the keys")
        try await inventory.setState("KB-1", .retiring, user: "alice", now: nodeT0)
        #expect(try await escrow.delete(serial: "KB-1") == 2)
        #expect(try await escrow.retireBlocker(serial: "KB-1") == nil)
    }

    @Test("Escrows racing a move to retiring: every key that was stored arrived before it, none after")
    func escrowRacingRetire() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let escrow = DiskKeyEscrow(store: nodes.store, kek: .create())
        let inventory = InventoryService(store: nodes.store)
        let devices = (0..<24).map { "sd\($0)" }
        async let retired: Void = {
            try await Task.sleep(for: .milliseconds(20))
            try await inventory.setState("KB-1", .retiring, user: "alice", now: nodeT0)
        }()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for device in devices {
                group.addTask { (try? await escrow.escrow(Self.key, serial: "KB-1", device: device, now: nodeT0)) == true }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        try await retired
        let stored = try await escrow.list(serial: "KB-1").count
        #expect(stored == outcomes.filter { $0 }.count, "every accepted escrow is stored, no refused one is")
        let retiringAt = try #require(try await inventory.snapshot("KB-1")?.unchanged.target)
        guard case .modRevision(let revision) = retiringAt else { throw TestFailure("a compare on the revision: \(retiringAt)") }
        let keys = try await nodes.store.range(.prefix(NodeKeys.diskKeys("KB-1"))).kvs
        #expect(keys.allSatisfy { $0.modRevision < revision }, "a key was written after the machine started retiring")
        // Once retiring, nothing more arrives.
        await #expect(throws: NodeError.self) { try await escrow.escrow(Self.key, serial: "KB-1", device: "late", now: nodeT0) }
        #expect(try await escrow.list(serial: "KB-1").count == stored)
    }
}

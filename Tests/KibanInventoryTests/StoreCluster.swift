import Foundation
import KibanInventory
import KibanRaft
import KibanStore
import Logging

/// Real stores with real SQLite files in a fresh temp dir, connected by a LocalNetwork: one
/// member, or three. Removed with the value.
final class StoreCluster: Sendable {
    let path: String
    let network = LocalNetwork()
    let stores: [Store]

    init(members: Int) async throws {
        path = NSTemporaryDirectory() + "kiban-inventory-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let ids = (1...NodeID(members)).map { $0 }
        let logger = Logger(label: "kiban.inventory.test", factory: { _ in SwiftLogNoOpLogHandler() })
        var stores: [Store] = []
        for id in ids {
            var o = StoreOptions(id: id, directory: path + "/m\(id)", bootstrap: ConfState(voters: Set(ids)))
            o.tickInterval = .milliseconds(10)
            o.requestTimeoutTicks = 50
            stores.append(try await Store.open(o, transport: network.transport(for: id), logger: logger))
        }
        self.stores = stores
    }

    /// The service on member `i` (0-based).
    func inventory(_ i: Int = 0) -> InventoryService { InventoryService(store: stores[i]) }

    func stop() async {
        for s in stores { await s.stop() }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A service on a fresh single-member store with sabakan's example IPAM set.
func exampleInventory() async throws -> (StoreCluster, InventoryService) {
    let cluster = try await StoreCluster(members: 1)
    let inventory = cluster.inventory()
    try await inventory.setIPAM(try exampleIPAM(), user: "alice", now: t0)
    return (cluster, inventory)
}

/// A fixed time: tests never read the clock.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func reg(_ serial: String, rack: Int, role: String = "cs", labels: [String: String] = [:]) -> MachineRegistration {
    MachineRegistration(serial: serial, labels: labels, rack: rack, role: role, bmcType: "IPMI-2.0")
}

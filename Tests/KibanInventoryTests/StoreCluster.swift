import Foundation
import KibanInventory
import KibanTestSupport

extension StoreCluster {
    /// The inventory service on member `i` (0-based).
    func inventory(_ i: Int = 0) -> InventoryService { InventoryService(store: stores[i]) }
}

/// A service on a fresh single-member store with sabakan's example IPAM set.
func exampleInventory() async throws -> (StoreCluster, InventoryService) {
    let cluster = try await StoreCluster(members: 1, label: "kiban-inventory-test")
    let inventory = cluster.inventory()
    try await inventory.setIPAM(try exampleIPAM(), user: "alice", now: t0)
    return (cluster, inventory)
}

/// A fixed time: tests never read the clock.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func reg(_ serial: String, rack: Int, role: String = "cs", labels: [String: String] = [:]) -> MachineRegistration {
    MachineRegistration(serial: serial, labels: labels, rack: rack, role: role, bmcType: "IPMI-2.0")
}

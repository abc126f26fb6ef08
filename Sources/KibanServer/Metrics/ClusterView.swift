import Foundation
import KibanInventory
import KibanNetboot
import KibanStore

/// The inventory and DHCP pools as this member sees them, for scrape-time gauges and the status
/// page: machines counted by rack, role and state; each rack's lease range and its leases.
struct ClusterView {
    /// A `kiban_machines` label set.
    struct MachineKey: Hashable, Comparable {
        var rack: Int
        var role: String
        var state: String

        static func < (a: MachineKey, b: MachineKey) -> Bool { (a.rack, a.role, a.state) < (b.rack, b.role, b.state) }
    }

    /// One rack's lease range and its unexpired leases by state.
    struct Pool {
        var rack: Int
        var addresses: Int
        var leases: [String: Int]
    }

    var machines: [Machine]
    var machineCounts: [MachineKey: Int]
    var pools: [Pool]
    /// This member's view of the leases (a moment behind the store at most).
    var leases: [DHCPLease]
    var ipam: IPAMConfig?

    init(machines: [Machine], leases: [DHCPLease], ipam: IPAMConfig?, now: UInt64) {
        self.machines = machines
        self.leases = leases
        self.ipam = ipam
        machineCounts = machines.reduce(into: [:]) {
            $0[MachineKey(rack: $1.registration.rack, role: $1.registration.role, state: $1.state.rawValue), default: 0] += 1
        }
        guard let ipam else {
            pools = []
            return
        }
        var byRack: [Int: [String: Int]] = [:]
        for lease in leases where lease.expiresAt > now {
            guard let rack = ipam.rack(ofNodeAddress: lease.address) else { continue }
            byRack[rack, default: [:]][lease.state.rawValue, default: 0] += 1
        }
        let racks = Set(machines.map(\.registration.rack)).union(byRack.keys).sorted()
        pools = racks.compactMap { rack in
            guard let first = ipam.nodeAddresses(rack: rack, index: ipam.nodeIndexes.lowerBound).first,
                let range = ipam.leaseRange(containing: first)
            else { return nil }
            return Pool(rack: rack, addresses: Int(range.upperBound.value - range.lowerBound.value) + 1, leases: byRack[rack] ?? [:])
        }
    }
}

extension Daemon {
    /// Reads the inventory and IPAM from this member's state (serializable: a scrape or the page
    /// must answer without a quorum, when they matter most) and takes the DHCP server's leases.
    func clusterView(_ r: Running) async throws -> ClusterView {
        let machines = try await r.inventory.localMachines()
        let ipam = try await r.store.get(IPAMConfig.storeKey, consistency: .serializable).flatMap { IPAMConfig.decodeStored($0.value) }
        return ClusterView(machines: machines, leases: r.dhcp.server.leases, ipam: ipam, now: unixSeconds())
    }
}

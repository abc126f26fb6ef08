import KibanInventory
import KibanNetboot

/// The wiring KibanServer will do: a DHCP lease pool from sabakan's IPAM arithmetic (the rack
/// sub-range holding the relay's giaddr, above the static node addresses).
extension IPAMConfig {
    /// The lease pool for a giaddr or interface address; nil outside the node pool.
    func leasePool(for address: UInt32) -> LeasePool? {
        guard let range = leaseRange(containing: IPv4(address)) else { return nil }
        return LeasePool(range: range.lowerBound.value...range.upperBound.value,
                         prefixLength: nodeIPv4RangeMask, router: nodeGateway(of: IPv4(address)).value)
    }
}

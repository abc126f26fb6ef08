public import KibanInventory
public import KibanNetboot

/// The bridge between the inventory's address plan and the DHCP server: a lease pool from
/// sabakan's IPAM arithmetic (the rack sub-range holding the relay's giaddr, above the static
/// node addresses). The daemon and kiban-dhcp-harness both serve from it.
extension IPAMConfig {
    /// The lease pool for a giaddr or interface address; nil outside the node pool.
    public func leasePool(for address: UInt32) -> LeasePool? {
        guard let range = leaseRange(containing: IPv4(address)) else { return nil }
        return LeasePool(range: range.lowerBound.value...range.upperBound.value,
                         prefixLength: nodeIPv4RangeMask, router: nodeGateway(of: IPv4(address)).value)
    }

    /// The rack whose node sub-range holds `address` (a lease's address), or nil outside the
    /// node pool. The inverse of ``nodeAddresses(rack:index:)``'s rack term.
    public func rack(ofNodeAddress address: UInt32) -> Int? {
        guard IPv4(address).masked(prefix: nodeIPv4Pool.prefix) == nodeIPv4Pool.address,
              (1...31).contains(nodeIPv4RangeSize), nodeIPPerNode > 0 else { return nil }
        let base = UInt64(nodeIPv4Pool.address.value) + UInt64(nodeIPv4Offset.value)
        guard UInt64(address) >= base else { return nil }
        let span = (UInt64(1) << UInt64(nodeIPv4RangeSize)) * UInt64(nodeIPPerNode)
        return Int((UInt64(address) - base) / span)
    }
}

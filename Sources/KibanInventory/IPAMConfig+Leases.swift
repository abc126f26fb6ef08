/// The dynamic addresses of one rack's node range, above its static node addresses: what a DHCP
/// server relayed from that rack hands out, with the subnet's prefix length and gateway. A plain
/// value, so the DHCP server's lease pool is built from it without the inventory knowing DHCP.
public struct RackLeaseRange: Sendable, Hashable {
    /// First and last dynamic address.
    public var addresses: ClosedRange<UInt32>
    /// Prefix length of the rack's subnet.
    public var prefixLength: Int
    /// The rack's gateway.
    public var router: UInt32
}

/// The bridge between the address plan and the DHCP servers (the daemon's and
/// kiban-dhcp-harness's): sabakan's IPAM arithmetic for leases.
extension IPAMConfig {
    /// The lease range of the rack whose node range holds `address` (a relay's giaddr or an
    /// interface address); nil outside the node pool.
    public func rackLeaseRange(for address: UInt32) -> RackLeaseRange? {
        guard let range = leaseRange(containing: IPv4(address)) else { return nil }
        return RackLeaseRange(
            addresses: range.lowerBound.value...range.upperBound.value,
            prefixLength: nodeIPv4RangeMask, router: nodeGateway(of: IPv4(address)).value)
    }

    /// The rack whose node sub-range holds `address` (a lease's address), or nil outside the
    /// node pool. The inverse of ``nodeAddresses(rack:index:)``'s rack term.
    public func rack(ofNodeAddress address: UInt32) -> Int? {
        guard IPv4(address).masked(prefix: nodeIPv4Pool.prefix) == nodeIPv4Pool.address,
            (1...31).contains(nodeIPv4RangeSize), nodeIPPerNode > 0
        else { return nil }
        let base = UInt64(nodeIPv4Pool.address.value) + UInt64(nodeIPv4Offset.value)
        guard UInt64(address) >= base else { return nil }
        let span = (UInt64(1) << UInt64(nodeIPv4RangeSize)) * UInt64(nodeIPPerNode)
        return Int((UInt64(address) - base) / span)
    }
}

/// sabakan's address arithmetic (ipam.go `GenerateIP`, `LeaseRange`), exactly.
extension IPAMConfig {
    /// The operating-system addresses of the machine at `index` in `rack`:
    /// `base + rs·n·rack + index + i·rs` for `i` in `0..<n`, with `rs = 2^range-size`,
    /// `n = node-ip-per-node` and `base = pool + offset`.
    public func nodeAddresses(rack: Int, index: Int) -> [IPv4] {
        let rs = UInt64(1) << UInt64(nodeIPv4RangeSize)
        let base = UInt64(nodeIPv4Pool.address.value) + UInt64(nodeIPv4Offset.value)
        let rackStart = base + rs * UInt64(nodeIPPerNode) * UInt64(rack) + UInt64(index)
        return (0..<nodeIPPerNode).map { IPv4(UInt32(truncatingIfNeeded: rackStart + UInt64($0) * rs)) }
    }

    /// The BMC address: `bmc-pool + bmc-offset + 2^bmc-range-size · rack + index`.
    public func bmcAddress(rack: Int, index: Int) -> IPv4 {
        let base = UInt64(bmcIPv4Pool.address.value) + UInt64(bmcIPv4Offset.value)
        let v = base + (UInt64(1) << UInt64(bmcIPv4RangeSize)) * UInt64(rack) + UInt64(index)
        return IPv4(UInt32(truncatingIfNeeded: v))
    }

    /// The gateway of a node address: its subnet (`node-ipv4-range-mask`) plus the gateway offset.
    public func nodeGateway(of address: IPv4) -> IPv4 {
        IPv4(address.masked(prefix: nodeIPv4RangeMask).value &+ UInt32(truncatingIfNeeded: nodeGatewayOffset))
    }

    /// The gateway of a BMC address.
    public func bmcGateway(of address: IPv4) -> IPv4 {
        IPv4(address.masked(prefix: bmcIPv4RangeMask).value &+ UInt32(truncatingIfNeeded: bmcIPv4GatewayOffset))
    }

    /// The DHCP lease range of the rack sub-range that holds `address` (a relay's giaddr or the
    /// receiving interface's address): above the static node addresses, up to the last address
    /// before the sub-range's broadcast. Nil when `address` is outside the node pool.
    public func leaseRange(containing address: IPv4) -> ClosedRange<IPv4>? {
        guard address.masked(prefix: nodeIPv4Pool.prefix) == nodeIPv4Pool.address else { return nil }
        let block = address.masked(prefix: 32 - nodeIPv4RangeSize).value
        let first = UInt64(block) + UInt64(nodeIndexOffset + maxNodesInRack + 1)
        let last = UInt64(block) + (UInt64(1) << UInt64(nodeIPv4RangeSize)) - 2
        guard first <= last else { return nil }
        return IPv4(UInt32(first))...IPv4(UInt32(last))
    }

    /// The indexes a rack's non-boot machines may take.
    public var nodeIndexes: ClosedRange<Int> { (nodeIndexOffset + 1)...(nodeIndexOffset + maxNodesInRack) }

    /// How many racks the pools hold: rack numbers `0..<racksMax` get addresses inside both the
    /// node and the BMC pool. (sabakan does not check this; an address past the pool would be
    /// someone else's.)
    public var racksMax: Int {
        guard (1...31).contains(nodeIPv4RangeSize), (1...31).contains(bmcIPv4RangeSize), nodeIPPerNode > 0 else { return 0 }
        let nodeSpan = (UInt64(1) << UInt64(nodeIPv4RangeSize)) * UInt64(nodeIPPerNode)
        let nodeRoom = nodeIPv4Pool.size > UInt64(nodeIPv4Offset.value) ? nodeIPv4Pool.size - UInt64(nodeIPv4Offset.value) : 0
        let bmcRoom = bmcIPv4Pool.size > UInt64(bmcIPv4Offset.value) ? bmcIPv4Pool.size - UInt64(bmcIPv4Offset.value) : 0
        return Int(min(nodeRoom / nodeSpan, bmcRoom >> UInt64(bmcIPv4RangeSize)))
    }
}

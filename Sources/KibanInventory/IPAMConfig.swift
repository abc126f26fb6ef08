/// The address plan, with sabakan's field names and meaning, so that a sabakan IPAM file is
/// accepted unchanged. Every address a machine uses is computed from it (``IPAMConfig+Addresses``).
public struct IPAMConfig: Sendable, Hashable, Codable {
    /// Nodes per rack, not counting the boot server.
    public var maxNodesInRack: Int
    /// The pool node addresses come from.
    public var nodeIPv4Pool: IPv4Network
    /// Added to the pool start (dotted quad, default `0.0.0.0`).
    public var nodeIPv4Offset: IPv4
    /// Bits of one rack's sub-range: a rack has `1 << nodeIPv4RangeSize` addresses per node address.
    public var nodeIPv4RangeSize: Int
    /// Prefix length of a rack's L2 subnet.
    public var nodeIPv4RangeMask: Int
    /// Operating-system addresses per node.
    public var nodeIPPerNode: Int
    /// The first index in a rack (the boot server's).
    public var nodeIndexOffset: Int
    /// Offset of the gateway within a node subnet.
    public var nodeGatewayOffset: Int
    /// The pool BMC addresses come from.
    public var bmcIPv4Pool: IPv4Network
    /// Added to the BMC pool start.
    public var bmcIPv4Offset: IPv4
    /// Bits of one rack's BMC sub-range.
    public var bmcIPv4RangeSize: Int
    /// Prefix length of the BMC subnet.
    public var bmcIPv4RangeMask: Int
    /// Offset of the gateway within the BMC subnet.
    public var bmcIPv4GatewayOffset: Int

    enum CodingKeys: String, CodingKey {
        case maxNodesInRack = "max-nodes-in-rack"
        case nodeIPv4Pool = "node-ipv4-pool"
        case nodeIPv4Offset = "node-ipv4-offset"
        case nodeIPv4RangeSize = "node-ipv4-range-size"
        case nodeIPv4RangeMask = "node-ipv4-range-mask"
        case nodeIPPerNode = "node-ip-per-node"
        case nodeIndexOffset = "node-index-offset"
        case nodeGatewayOffset = "node-gateway-offset"
        case bmcIPv4Pool = "bmc-ipv4-pool"
        case bmcIPv4Offset = "bmc-ipv4-offset"
        case bmcIPv4RangeSize = "bmc-ipv4-range-size"
        case bmcIPv4RangeMask = "bmc-ipv4-range-mask"
        case bmcIPv4GatewayOffset = "bmc-ipv4-gateway-offset"
    }

    /// Creates a configuration; call ``problems`` to validate it.
    public init(
        maxNodesInRack: Int, nodeIPv4Pool: IPv4Network, nodeIPv4Offset: IPv4 = IPv4(0),
        nodeIPv4RangeSize: Int, nodeIPv4RangeMask: Int, nodeIPPerNode: Int, nodeIndexOffset: Int,
        nodeGatewayOffset: Int, bmcIPv4Pool: IPv4Network, bmcIPv4Offset: IPv4 = IPv4(0),
        bmcIPv4RangeSize: Int, bmcIPv4RangeMask: Int, bmcIPv4GatewayOffset: Int
    ) {
        self.maxNodesInRack = maxNodesInRack
        self.nodeIPv4Pool = nodeIPv4Pool
        self.nodeIPv4Offset = nodeIPv4Offset
        self.nodeIPv4RangeSize = nodeIPv4RangeSize
        self.nodeIPv4RangeMask = nodeIPv4RangeMask
        self.nodeIPPerNode = nodeIPPerNode
        self.nodeIndexOffset = nodeIndexOffset
        self.nodeGatewayOffset = nodeGatewayOffset
        self.bmcIPv4Pool = bmcIPv4Pool
        self.bmcIPv4Offset = bmcIPv4Offset
        self.bmcIPv4RangeSize = bmcIPv4RangeSize
        self.bmcIPv4RangeMask = bmcIPv4RangeMask
        self.bmcIPv4GatewayOffset = bmcIPv4GatewayOffset
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxNodesInRack = try c.decode(Int.self, forKey: .maxNodesInRack)
        nodeIPv4Pool = try c.decode(IPv4Network.self, forKey: .nodeIPv4Pool)
        nodeIPv4Offset = try c.decodeIfPresent(IPv4.self, forKey: .nodeIPv4Offset) ?? IPv4(0)
        nodeIPv4RangeSize = try c.decode(Int.self, forKey: .nodeIPv4RangeSize)
        nodeIPv4RangeMask = try c.decode(Int.self, forKey: .nodeIPv4RangeMask)
        nodeIPPerNode = try c.decode(Int.self, forKey: .nodeIPPerNode)
        nodeIndexOffset = try c.decode(Int.self, forKey: .nodeIndexOffset)
        nodeGatewayOffset = try c.decode(Int.self, forKey: .nodeGatewayOffset)
        bmcIPv4Pool = try c.decode(IPv4Network.self, forKey: .bmcIPv4Pool)
        bmcIPv4Offset = try c.decodeIfPresent(IPv4.self, forKey: .bmcIPv4Offset) ?? IPv4(0)
        bmcIPv4RangeSize = try c.decode(Int.self, forKey: .bmcIPv4RangeSize)
        bmcIPv4RangeMask = try c.decode(Int.self, forKey: .bmcIPv4RangeMask)
        bmcIPv4GatewayOffset = try c.decode(Int.self, forKey: .bmcIPv4GatewayOffset)
    }

    /// The largest count or offset a plan may hold (2^16; a rack range is at most 2^31 addresses).
    static let countMax = 1 << 16
    /// The most addresses one node may have.
    static let addressesPerNodeMax = 256

    /// Everything wrong with the configuration, each as an operator-facing sentence; empty when
    /// it is usable.
    public var problems: [String] {
        var p: [String] = []
        // Upper bounds keep the address arithmetic (UInt64 products and sums) from overflowing
        // for any value JSON can carry; real plans are far below them (sabakan's example: 28, 3, 3).
        if !(1...Self.countMax).contains(maxNodesInRack) { p.append("max-nodes-in-rack must be from 1 to \(Self.countMax)") }
        if !(1...Self.addressesPerNodeMax).contains(nodeIPPerNode) { p.append("node-ip-per-node must be from 1 to \(Self.addressesPerNodeMax)") }
        if !(1...Self.countMax).contains(nodeIndexOffset) {
            p.append("node-index-offset must be from 1 to \(Self.countMax) (index 0 is the subnet address)")
        }
        for (name, value) in [("node-gateway-offset", nodeGatewayOffset), ("bmc-ipv4-gateway-offset", bmcIPv4GatewayOffset)]
        where !(0...Self.countMax).contains(value) {
            p.append("\(name) must be from 0 to \(Self.countMax)")
        }
        if !(1...31).contains(nodeIPv4RangeSize) { p.append("node-ipv4-range-size must be between 1 and 31") }
        if !(0...32).contains(nodeIPv4RangeMask) { p.append("node-ipv4-range-mask must be between 0 and 32") }
        if !(1...31).contains(bmcIPv4RangeSize) { p.append("bmc-ipv4-range-size must be between 1 and 31") }
        if !(0...32).contains(bmcIPv4RangeMask) { p.append("bmc-ipv4-range-mask must be between 0 and 32") }
        // Clamped first: the sum of two values out of range must not trap (they are reported above).
        let staticTop = min(max(nodeIndexOffset, 0), Self.countMax + 1) + min(max(maxNodesInRack, 0), Self.countMax + 1)
        if (1...31).contains(nodeIPv4RangeSize), staticTop >= 1 << nodeIPv4RangeSize {
            p.append(
                "node-index-offset + max-nodes-in-rack must stay below 2^node-ipv4-range-size (\(1 << nodeIPv4RangeSize)) so that a rack's static addresses fit its range"
            )
        }
        if (1...31).contains(bmcIPv4RangeSize), staticTop >= 1 << bmcIPv4RangeSize {
            p.append("node-index-offset + max-nodes-in-rack must stay below 2^bmc-ipv4-range-size (\(1 << bmcIPv4RangeSize))")
        }
        return p
    }
}

/// A DHCPv4 message (RFC 2131 §2, Figure 1), kept so that it serializes back to the exact
/// bytes it was parsed from. Field names follow the RFC.
public struct DHCPMessage: Sendable, Hashable {
    /// 1 BOOTREQUEST, 2 BOOTREPLY.
    public var op: UInt8
    /// Hardware address type (1: Ethernet).
    public var htype: UInt8
    /// Hardware address length (6 for Ethernet).
    public var hlen: UInt8
    /// Relay hops.
    public var hops: UInt8
    /// Transaction id chosen by the client.
    public var xid: UInt32
    /// Seconds since the client began acquiring.
    public var secs: UInt16
    /// Bit 15: the client asks for broadcast replies.
    public var flags: UInt16
    /// Client address when it already has one (renewing, rebinding, INFORM).
    public var ciaddr: UInt32
    /// "Your" address: the address offered or assigned.
    public var yiaddr: UInt32
    /// Next server (TFTP) address.
    public var siaddr: UInt32
    /// Relay agent address; selects the rack's subnet for relayed requests.
    public var giaddr: UInt32
    /// Client hardware address, 16 bytes as on the wire (the first `hlen` are the address).
    public var chaddr: [UInt8]
    /// Server host name field, 64 bytes as on the wire.
    public var sname: [UInt8]
    /// Boot file name field, 128 bytes as on the wire.
    public var file: [UInt8]
    /// The options area after the magic cookie, element by element (pads included).
    public var options: [DHCPOptionElement]
    /// Bytes after the end option (clients pad to a minimum size), kept for exact round trips.
    public var trailer: [UInt8]

    /// Creates a message with empty fixed fields, for building replies.
    public init(op: UInt8, xid: UInt32, chaddr: [UInt8]) {
        self.op = op
        htype = 1
        hlen = UInt8(min(chaddr.count, 16))
        hops = 0
        self.xid = xid
        secs = 0
        flags = 0
        ciaddr = 0
        yiaddr = 0
        siaddr = 0
        giaddr = 0
        self.chaddr = Array((chaddr + [UInt8](repeating: 0, count: 16)).prefix(16))
        sname = [UInt8](repeating: 0, count: 64)
        file = [UInt8](repeating: 0, count: 128)
        options = [.end]
        trailer = []
    }

    /// The client's hardware address (`hlen` bytes of `chaddr`).
    public var hardwareAddress: [UInt8] { Array(chaddr.prefix(Int(min(hlen, 16)))) }

    /// True when the client asked for broadcast replies (RFC 2131 §4.1).
    public var broadcastFlag: Bool { flags & 0x8000 != 0 }
}

/// One element of the options area: a pad byte, an option, or the end marker.
public enum DHCPOptionElement: Sendable, Hashable {
    case pad
    case option(code: UInt8, data: [UInt8])
    case end
}

/// The magic cookie that starts the options area (RFC 2131 §3).
let dhcpMagicCookie: [UInt8] = [99, 130, 83, 99]

/// Formats an address held as a number in dotted-quad notation.
public func dottedQuad(_ value: UInt32) -> String {
    (0..<4).map { String((value >> (24 - 8 * UInt32($0))) & 0xFF) }.joined(separator: ".")
}

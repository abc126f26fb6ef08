import CUring
import Glibc

/// An IPv4 address and port, as the runtime binds and reports them.
public struct IPv4Endpoint: Hashable, Sendable, CustomStringConvertible {
    /// The four octets of the address, most significant first (`127.0.0.1` is `[127, 0, 0, 1]`).
    public var octets: (UInt8, UInt8, UInt8, UInt8)
    /// The port; 0 in a configuration means "pick a free one".
    public var port: UInt16

    /// An endpoint from four octets and a port.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        octets = (a, b, c, d)
        self.port = port
    }

    /// Parses dotted-quad text (`"10.0.0.1"`); nil when it is not an IPv4 address.
    public init?(_ text: String, port: UInt16) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        guard parts.count == 4, let a = parts[0], let b = parts[1], let c = parts[2], let d = parts[3] else {
            return nil
        }
        self.init(a, b, c, d, port: port)
    }

    /// `0.0.0.0:port`: every local address.
    public static func any(port: UInt16) -> IPv4Endpoint { IPv4Endpoint(0, 0, 0, 0, port: port) }
    /// `127.0.0.1:port`.
    public static func loopback(port: UInt16) -> IPv4Endpoint { IPv4Endpoint(127, 0, 0, 1, port: port) }

    /// `a.b.c.d:port`.
    public var description: String { "\(addressText):\(port)" }
    /// `a.b.c.d`.
    public var addressText: String { "\(octets.0).\(octets.1).\(octets.2).\(octets.3)" }

    /// The address in network byte order, as `in_addr.s_addr` holds it.
    var networkAddress: UInt32 {
        UInt32(octets.0) | UInt32(octets.1) << 8 | UInt32(octets.2) << 16 | UInt32(octets.3) << 24
    }

    init(networkAddress: UInt32, port: UInt16) {
        self.init(
            UInt8(truncatingIfNeeded: networkAddress), UInt8(truncatingIfNeeded: networkAddress >> 8),
            UInt8(truncatingIfNeeded: networkAddress >> 16), UInt8(truncatingIfNeeded: networkAddress >> 24),
            port: port)
    }

    init(_ address: sockaddr_in) {
        self.init(networkAddress: address.sin_addr.s_addr, port: UInt16(bigEndian: address.sin_port))
    }

    var sockaddr: sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = networkAddress
        return address
    }

    /// Equality and hashing go through the packed address, since tuples are neither.
    public static func == (lhs: IPv4Endpoint, rhs: IPv4Endpoint) -> Bool {
        lhs.networkAddress == rhs.networkAddress && lhs.port == rhs.port
    }

    /// Hashes the packed address and the port.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(networkAddress)
        hasher.combine(port)
    }
}

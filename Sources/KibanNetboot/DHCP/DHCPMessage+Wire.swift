/// Why bytes are not a DHCP message. Bad packets are counted and dropped, never trapped on.
public struct DHCPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for counters and debug logs.
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension DHCPMessage {
    /// The fixed part before the magic cookie (RFC 2131 Figure 1).
    static let fixedLength = 236

    /// Parses a UDP payload.
    /// - Throws: ``DHCPParseError`` for anything that is not a well-formed message.
    public init(bytes: [UInt8]) throws(DHCPParseError) {
        guard bytes.count >= Self.fixedLength + 4 else {
            throw DHCPParseError("\(bytes.count) bytes: shorter than a DHCP header and cookie")
        }
        guard Array(bytes[236..<240]) == dhcpMagicCookie else { throw DHCPParseError("no DHCP magic cookie") }
        var r = ByteReader(bytes)
        op = r.u8()
        htype = r.u8()
        hlen = r.u8()
        hops = r.u8()
        xid = r.u32()
        secs = r.u16()
        flags = r.u16()
        ciaddr = r.u32()
        yiaddr = r.u32()
        siaddr = r.u32()
        giaddr = r.u32()
        chaddr = r.bytes(16)
        sname = r.bytes(64)
        file = r.bytes(128)
        guard op == 1 || op == 2 else { throw DHCPParseError("op \(op) is neither request nor reply") }
        guard hlen <= 16 else { throw DHCPParseError("hlen \(hlen) exceeds chaddr") }
        (options, trailer) = try Self.parseOptions(Array(bytes[240...]))
    }

    /// Splits an options area into elements; everything after the end option is the trailer.
    static func parseOptions(_ area: [UInt8]) throws(DHCPParseError) -> ([DHCPOptionElement], [UInt8]) {
        var elements: [DHCPOptionElement] = []
        var i = 0
        while i < area.count {
            switch area[i] {
            case 0:
                elements.append(.pad)
                i += 1
            case 255:
                elements.append(.end)
                return (elements, Array(area[(i + 1)...]))
            default:
                guard i + 1 < area.count else { throw DHCPParseError("option \(area[i]) has no length") }
                let length = Int(area[i + 1])
                guard i + 2 + length <= area.count else {
                    throw DHCPParseError("option \(area[i]) claims \(length) bytes past the end")
                }
                elements.append(.option(code: area[i], data: Array(area[(i + 2)..<(i + 2 + length)])))
                i += 2 + length
            }
        }
        // RFC 2131 requires the end option; some relays and clients omit it. Accept, keep exact.
        return (elements, [])
    }

    /// The wire bytes. A parsed message serializes to exactly the bytes it came from.
    public var bytes: [UInt8] {
        var w: [UInt8] = []
        w.reserveCapacity(Self.fixedLength + 4 + 64)
        w += [op, htype, hlen, hops]
        w.appendBigEndian(xid)
        w.appendBigEndian(secs)
        w.appendBigEndian(flags)
        for a in [ciaddr, yiaddr, siaddr, giaddr] { w.appendBigEndian(a) }
        w += Self.fit(chaddr, 16) + Self.fit(sname, 64) + Self.fit(file, 128)
        w += dhcpMagicCookie
        for element in options {
            switch element {
            case .pad: w.append(0)
            case .end: w.append(255)
            case .option(let code, let data):
                // Data longer than 255 bytes is split into several instances (RFC 3396).
                var rest = data[...]
                repeat {
                    let chunk = rest.prefix(255)
                    w += [code, UInt8(chunk.count)] + chunk
                    rest = rest.dropFirst(chunk.count)
                } while !rest.isEmpty
            }
        }
        return w + trailer
    }

    private static func fit(_ b: [UInt8], _ n: Int) -> [UInt8] {
        b.count == n ? b : Array((b + [UInt8](repeating: 0, count: n)).prefix(n))
    }
}

/// Reads big-endian fields; callers check the length first.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func u8() -> UInt8 {
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16 { UInt16(u8()) << 8 | UInt16(u8()) }
    mutating func u32() -> UInt32 { UInt32(u16()) << 16 | UInt32(u16()) }

    mutating func bytes(_ n: Int) -> [UInt8] {
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ v: T) {
        for i in (0..<(T.bitWidth / 8)).reversed() { append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }
}

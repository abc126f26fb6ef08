/// An IPv4 address as a number, so that IPAM arithmetic is plain integer arithmetic.
public struct IPv4: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The address, most significant octet first.
    public var value: UInt32

    /// Creates an address from its numeric value.
    public init(_ value: UInt32) { self.value = value }

    /// Parses dotted-quad notation (`10.69.0.197`); nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0 >= "0" && $0 <= "9" }), let octet = UInt8(p) else { return nil }
            v = v << 8 | UInt32(octet)
        }
        value = v
    }

    public var description: String {
        (0..<4).map { String((value >> (24 - 8 * UInt32($0))) & 0xFF) }.joined(separator: ".")
    }

    /// The address with the host bits of a `/prefix` network cleared.
    public func masked(prefix: Int) -> IPv4 { IPv4(value & Self.mask(prefix: prefix)) }

    /// The netmask of a `/prefix` network.
    public static func mask(prefix: Int) -> UInt32 {
        prefix <= 0 ? 0 : UInt32.max << UInt32(32 - min(prefix, 32))
    }

    public static func < (a: IPv4, b: IPv4) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = IPv4(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "\(text) is not an IPv4 address"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// An IPv4 network in CIDR notation (`10.69.0.0/16`).
public struct IPv4Network: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The first address.
    public var address: IPv4
    /// The prefix length.
    public var prefix: Int

    /// Parses `a.b.c.d/n`; nil for anything else, including host bits set.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let a = IPv4(parts[0]), let p = Int(parts[1]), (0...32).contains(p),
            a.masked(prefix: p) == a
        else { return nil }
        address = a
        prefix = p
    }

    public var description: String { "\(address)/\(prefix)" }

    /// The number of addresses.
    public var size: UInt64 { 1 << UInt64(32 - prefix) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = IPv4Network(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "\(text) is not an IPv4 network in CIDR notation"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Appends big-endian fields to a byte buffer.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u32(_ v: UInt32) {
        for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) }
    }

    mutating func u64(_ v: UInt64) {
        for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) }
    }

    /// A length-prefixed byte string.
    mutating func blob(_ b: [UInt8]) {
        u32(UInt32(b.count))
        bytes += b
    }

    mutating func ids(_ set: Set<UInt64>) {
        u32(UInt32(set.count))
        for id in set.sorted() { u64(id) }
    }
}

/// Reads big-endian fields, refusing to read past the end or to allocate more than the input
/// could hold.
struct WireReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw WireError("truncated at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws(WireError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 { v = v << 8 | UInt32(try u8()) }
        return v
    }

    mutating func u64() throws(WireError) -> UInt64 {
        var v: UInt64 = 0
        for _ in 0..<8 { v = v << 8 | UInt64(try u8()) }
        return v
    }

    mutating func blob() throws(WireError) -> [UInt8] {
        let n = Int(try u32())
        guard n <= remaining else { throw WireError("a field claims \(n) bytes, \(remaining) remain") }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    /// A count of items each at least `minSize` bytes long: bounded by what remains.
    mutating func count(minSize: Int) throws(WireError) -> Int {
        let n = Int(try u32())
        guard n <= remaining / max(minSize, 1) else { throw WireError("a list claims \(n) items, too many for \(remaining) bytes") }
        return n
    }

    mutating func ids() throws(WireError) -> Set<UInt64> {
        var set = Set<UInt64>()
        for _ in 0..<(try count(minSize: 8)) { set.insert(try u64()) }
        return set
    }
}

/// Bytes that are not a peer message of a version this server speaks.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, for logs and counters.
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

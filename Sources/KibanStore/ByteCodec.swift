/// Appends values in Kiban's binary entry format: big-endian fixed-width integers, byte strings
/// and arrays prefixed by a 32-bit count, optionals by a 0/1 byte, enums by a tag byte.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }

    mutating func count(_ n: Int) {
        let n = UInt32(n)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: n >> UInt32(shift))) }
    }

    mutating func data(_ v: [UInt8]) {
        count(v.count)
        bytes.append(contentsOf: v)
    }

    mutating func string(_ v: String) { data(Array(v.utf8)) }

    mutating func optional<T>(_ v: T?, _ write: (inout ByteWriter, T) -> Void) {
        guard let v else { return u8(0) }
        u8(1)
        write(&self, v)
    }

    mutating func array<T>(_ v: [T], _ write: (inout ByteWriter, T) -> Void) {
        count(v.count)
        for e in v { write(&self, e) }
    }
}

/// Reads what ``ByteWriter`` wrote, refusing truncated or oversized input with `badRequest`
/// (never trapping: it decodes log entries that may come from a newer or broken peer).
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8], from offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset == bytes.count }

    private func bad(_ what: String) -> StoreError {
        StoreError(.badRequest, "malformed entry: \(what) at byte \(offset) of \(bytes.count)")
    }

    mutating func u8() throws(StoreError) -> UInt8 {
        guard offset < bytes.count else { throw bad("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u64() throws(StoreError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw bad("truncated integer") }
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        offset += 8
        return v
    }

    mutating func i64() throws(StoreError) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func bool() throws(StoreError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw bad("bad boolean")
        }
    }

    /// A count, checked against the bytes left (each element takes at least `minBytes`).
    mutating func count(minBytes: Int = 1) throws(StoreError) -> Int {
        guard bytes.count - offset >= 4 else { throw bad("truncated count") }
        var n = 0
        for i in 0..<4 { n = n << 8 | Int(bytes[offset + i]) }
        offset += 4
        guard n * max(minBytes, 1) <= bytes.count - offset || (n == 0) else { throw bad("count \(n) exceeds the input") }
        return n
    }

    mutating func data() throws(StoreError) -> [UInt8] {
        let n = try count()
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    mutating func string() throws(StoreError) -> String { String(decoding: try data(), as: UTF8.self) }

    mutating func optional<T>(_ read: (inout ByteReader) throws(StoreError) -> T) throws(StoreError) -> T? {
        try bool() ? try read(&self) : nil
    }

    mutating func array<T>(_ read: (inout ByteReader) throws(StoreError) -> T) throws(StoreError) -> [T] {
        let n = try count()
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try read(&self)) }
        return out
    }

    func unknownTag(_ tag: UInt8, _ type: String) -> StoreError { bad("unknown \(type) tag \(tag)") }
}

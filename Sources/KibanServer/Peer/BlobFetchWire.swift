import KibanNetboot

/// The peer protocol's blob transfer, after a ``PeerHello`` with purpose `blob` and a member
/// certificate: one request frame, one header frame, then the bytes in data frames and an empty
/// frame at the end.
///
/// Request, version 1: `version (u8) · sha256 (32 bytes) · offset (u64)`.
/// Header, version 1: `version (u8) · status (u8) · size (u64, the whole blob)`.
/// Both big-endian; a reader ignores bytes after the fields it knows (fields are only appended).
struct BlobFetchRequest: Sendable, Hashable {
    static let version: UInt8 = 1

    /// The blob, 64 lowercase hex digits.
    var sha256: String
    /// Where to start: the length of the asker's partial file.
    var offset: UInt64

    var encoded: [UInt8] {
        var w = WireWriter()
        w.u8(Self.version)
        w.bytes += HexBytes.decode(sha256) ?? []
        w.u64(offset)
        return w.bytes
    }

    init(sha256: String, offset: UInt64) {
        self.sha256 = sha256
        self.offset = offset
    }

    /// - Throws: ``WireError`` for truncated or too-new input.
    init(_ bytes: [UInt8]) throws(WireError) {
        var r = WireReader(bytes)
        let v = try r.u8()
        guard v >= 1 else { throw WireError("blob request version \(v) is not supported") }
        var digest: [UInt8] = []
        for _ in 0..<32 { digest.append(try r.u8()) }
        sha256 = HexBytes.encode(digest)
        offset = try r.u64()
    }
}

/// The first answer to a ``BlobFetchRequest``.
struct BlobFetchHeader: Sendable, Hashable {
    enum Status: UInt8, Sendable {
        /// Data frames follow, from the requested offset.
        case ok = 0
        /// This member has no complete copy.
        case notFound = 1
        /// The offset is past the blob's end.
        case badOffset = 2
    }

    static let version: UInt8 = 1

    var status: Status
    /// The whole blob's size (0 unless `ok`).
    var size: UInt64

    var encoded: [UInt8] {
        var w = WireWriter()
        w.u8(Self.version)
        w.u8(status.rawValue)
        w.u64(size)
        return w.bytes
    }

    init(status: Status, size: UInt64) {
        self.status = status
        self.size = size
    }

    /// - Throws: ``WireError`` for truncated input or an unknown status.
    init(_ bytes: [UInt8]) throws(WireError) {
        var r = WireReader(bytes)
        let v = try r.u8()
        guard v >= 1 else { throw WireError("blob header version \(v) is not supported") }
        let raw = try r.u8()
        guard let status = Status(rawValue: raw) else { throw WireError("unknown blob status \(raw)") }
        self.status = status
        size = try r.u64()
    }
}

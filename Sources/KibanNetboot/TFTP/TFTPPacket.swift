/// A TFTP packet (RFC 1350 §5) with option negotiation (RFC 2347).
public enum TFTPPacket: Sendable, Hashable {
    /// Read request: file name, mode, options in the order sent (names lowercased).
    case readRequest(filename: String, mode: String, options: [(String, String)])
    /// Write request (always refused: the server is read-only).
    case writeRequest(filename: String)
    /// A block of file data; the last block is shorter than the block size.
    case data(block: UInt16, payload: [UInt8])
    /// Acknowledges a block (block 0 acknowledges an OACK).
    case ack(block: UInt16)
    /// An error code and message.
    case error(code: TFTPErrorCode, message: String)
    /// Options the server accepted (RFC 2347).
    case optionAck([(String, String)])

    public static func == (a: TFTPPacket, b: TFTPPacket) -> Bool { a.bytes == b.bytes }
    public func hash(into h: inout Hasher) { h.combine(bytes) }
}

/// RFC 1350 error codes, plus 8 from RFC 2347.
public enum TFTPErrorCode: UInt16, Sendable {
    case undefined = 0, fileNotFound, accessViolation, diskFull, illegalOperation, unknownTransferID,
        fileExists, noSuchUser, optionRefused
}

/// Why bytes are not a TFTP packet.
public struct TFTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public let reason: String
    init(_ r: String) { reason = r }
    public var description: String { reason }
}

extension TFTPPacket {
    /// Parses a datagram.
    /// - Throws: ``TFTPParseError``.
    public init(bytes b: [UInt8]) throws(TFTPParseError) {
        guard b.count >= 2 else { throw TFTPParseError("\(b.count) bytes: no opcode") }
        let op = UInt16(b[0]) << 8 | UInt16(b[1])
        let body = Array(b[2...])
        switch op {
        case 1, 2:
            let fields = try Self.strings(body)
            guard fields.count >= 2, fields.count % 2 == 0 else { throw TFTPParseError("request needs a file name and a mode") }
            if op == 2 {
                self = .writeRequest(filename: fields[0])
                return
            }
            let options = stride(from: 2, to: fields.count, by: 2).map { (fields[$0].lowercased(), fields[$0 + 1]) }
            self = .readRequest(filename: fields[0], mode: fields[1].lowercased(), options: options)
        case 3:
            guard body.count >= 2 else { throw TFTPParseError("DATA without a block number") }
            self = .data(block: UInt16(body[0]) << 8 | UInt16(body[1]), payload: Array(body[2...]))
        case 4:
            guard body.count == 2 else { throw TFTPParseError("ACK must be 4 bytes") }
            self = .ack(block: UInt16(body[0]) << 8 | UInt16(body[1]))
        case 5:
            guard body.count >= 3 else { throw TFTPParseError("ERROR too short") }
            let code = TFTPErrorCode(rawValue: UInt16(body[0]) << 8 | UInt16(body[1])) ?? .undefined
            self = .error(code: code, message: (try? Self.strings(Array(body[2...])).first) ?? "")
        case 6:
            let fields = try Self.strings(body)
            guard fields.count % 2 == 0 else { throw TFTPParseError("OACK with an option lacking its value") }
            self = .optionAck(stride(from: 0, to: fields.count, by: 2).map { (fields[$0], fields[$0 + 1]) })
        default:
            throw TFTPParseError("unknown opcode \(op)")
        }
    }

    /// NUL-terminated strings; the last must be terminated too.
    private static func strings(_ b: [UInt8]) throws(TFTPParseError) -> [String] {
        guard b.last == 0 else { throw TFTPParseError("string field not NUL-terminated") }
        return b.dropLast().split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The datagram.
    public var bytes: [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func z(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }
        switch self {
        case .readRequest(let f, let m, let o): return u16(1) + z(f) + z(m) + o.flatMap { z($0.0) + z($0.1) }
        case .writeRequest(let f): return u16(2) + z(f) + z("octet")
        case .data(let n, let p): return u16(3) + u16(n) + p
        case .ack(let n): return u16(4) + u16(n)
        case .error(let c, let m): return u16(5) + u16(c.rawValue) + z(m)
        case .optionAck(let o): return u16(6) + o.flatMap { z($0.0) + z($0.1) }
        }
    }
}

/// Parses one HTTP/1.x request head from bytes. A pure value: no I/O, no state between calls,
/// so it can be fuzzed; every input yields a result and none traps.
///
/// The server takes no request bodies: a request announcing one is answered `413`.
public struct HTTPRequestParser: Sendable {
    /// The bounds the parser enforces.
    public struct Limits: Sendable {
        /// Longest request line (method, target, version); longer is `414`.
        public var requestLineBytesMax = 8 * 1024
        /// Longest request head (request line plus fields); longer is `431`.
        public var headBytesMax = 16 * 1024
        /// Most header fields; more is `431`.
        public var headerFieldsMax = 100

        /// The defaults.
        public init() {}
    }

    /// What a call to `parse` found.
    public enum Result: Sendable, Equatable {
        /// The head is not complete yet; read more.
        case incomplete
        /// A request head, which ends `consumed` bytes into the input.
        case request(HTTPRequestHead, consumed: Int)
        /// A request that must be answered with `status`; the connection then closes.
        case invalid(HTTPStatus)
    }

    /// The bounds.
    public var limits: Limits

    /// A parser with `limits`.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Parses the request head at the start of `bytes`.
    public func parse(_ bytes: UnsafeRawBufferPointer) -> Result {
        guard let headEnd = Self.headEnd(in: bytes, from: 0) else {
            return incompleteOrTooLong(bytes)
        }
        if headEnd > limits.headBytesMax { return .invalid(.headerFieldsTooLarge) }
        var lines = HeadLines(bytes: UnsafeRawBufferPointer(rebasing: bytes[..<(headEnd - 2)]))
        guard let requestLine = lines.next() else { return .invalid(.badRequest) }
        if requestLine.count > limits.requestLineBytesMax { return .invalid(.uriTooLong) }
        guard var head = RequestLine.parse(requestLine) else { return .invalid(.badRequest) }
        if head.minorVersion < 0 { return .invalid(.versionNotSupported) }
        while let line = lines.next() {
            guard head.headers.count < limits.headerFieldsMax else { return .invalid(.headerFieldsTooLarge) }
            guard let field = Self.field(line) else { return .invalid(.badRequest) }
            head.headers.append(field)
        }
        if let status = Self.semanticError(head) { return .invalid(status) }
        return .request(head, consumed: headEnd)
    }

    /// Convenience for tests and fuzzing: parses a byte array.
    public func parse(_ bytes: [UInt8]) -> Result {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// Where the head ends (just past `\r\n\r\n`), searching from `start`; nil when not yet.
    public static func headEnd(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = max(0, start)
        while index + 3 < bytes.count {
            if bytes[index + 3] != 0x0A {
                // The byte 3 ahead is not LF: no terminator can end there or earlier than it.
                index += bytes[index + 3] == 0x0D ? 1 : 4
                continue
            }
            if bytes[index] == 0x0D, bytes[index + 1] == 0x0A, bytes[index + 2] == 0x0D { return index + 4 }
            index += 1
        }
        return nil
    }

    private func incompleteOrTooLong(_ bytes: UnsafeRawBufferPointer) -> Result {
        let firstLineEnd = bytes.firstIndex(of: 0x0A)
        if firstLineEnd == nil, bytes.count > limits.requestLineBytesMax { return .invalid(.uriTooLong) }
        if let end = firstLineEnd, end > limits.requestLineBytesMax { return .invalid(.uriTooLong) }
        if bytes.count > limits.headBytesMax { return .invalid(.headerFieldsTooLarge) }
        return .incomplete
    }

    /// `name: value`; nil for a malformed field (space before the colon, obsolete line folding,
    /// control characters).
    static func field(_ line: UnsafeRawBufferPointer) -> HTTPHeaderField? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        guard name.allSatisfy(HTTPBytes.isToken) else { return nil }
        let value = UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { return nil }
        return HTTPHeaderField(
            name: String(decoding: name, as: UTF8.self).lowercased(),
            value: String(decoding: value, as: UTF8.self).trimmingWhitespace())
    }

    /// Request framing the server refuses: bodies, ambiguous lengths, a missing or repeated `Host`.
    static func semanticError(_ head: HTTPRequestHead) -> HTTPStatus? {
        if head.value("transfer-encoding") != nil { return .contentTooLarge }
        let lengths = head.values("content-length")
        if lengths.count > 1 { return .badRequest }
        if let length = lengths.first {
            guard let value = UInt64(length) else { return .badRequest }
            if value > 0 { return .contentTooLarge }
        }
        // RFC 9112 §3.2: no Host in HTTP/1.1, or more than one Host, is a 400.
        let hosts = head.values("host").count
        if hosts > 1 || (head.minorVersion == 1 && hosts == 0) { return .badRequest }
        return nil
    }
}

/// Iterates over the CRLF-separated lines of a head (without the final empty line).
struct HeadLines {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func next() -> UnsafeRawBufferPointer? {
        guard position < bytes.count else { return nil }
        var end = position
        while end + 1 < bytes.count, !(bytes[end] == 0x0D && bytes[end + 1] == 0x0A) { end += 1 }
        if end + 1 >= bytes.count { end = bytes.count }
        let line = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
        position = end + 2
        return line
    }
}

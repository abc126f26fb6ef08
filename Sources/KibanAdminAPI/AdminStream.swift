import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An answer read as it arrives (a backup file, a watch): the status and headers first, then
/// the body in pieces (`kiban snapshot save`, `kiban kv watch`). Sent as HTTP/1.0, so the daemon sends the body as is and ends it by
/// closing the connection (or after Content-Length bytes).
public struct AdminStream: ~Copyable {
    public let fd: Int32
    public let client: AdminClient
    public let status: Int
    /// Header names in lower case.
    public let headers: [String: String]
    private var pending: [UInt8]

    /// Sends the request and reads up to the end of the head. A non-200 answer becomes the
    /// daemon's message.
    public init(_ client: AdminClient, _ method: String, _ path: String, body: [UInt8] = [], timeoutSeconds: Int) throws {
        let fd = try client.send(method, path, body: body, version: "1.0", timeoutSeconds: timeoutSeconds)
        var received: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            guard let bytes = try? client.read(fd) else {
                close(fd)
                throw AdminClient.Failure(description: "the daemon's answer was cut short; check its log (journalctl -u kiban)")
            }
            received += bytes
            headEnd = AdminClient.headEnd(received)
            guard headEnd != nil || received.count < AdminClient.headBytesMax else {
                close(fd)
                throw AdminClient.Failure(description: "the daemon's answer has no end of head")
            }
        }
        let parsed: (Int, [UInt8])
        do { parsed = try AdminClient.parseHead(received) } catch {
            close(fd)
            throw error
        }
        let (status, body) = parsed
        guard status == 200 else {
            var all = body
            while let more = try? client.read(fd) { all += more }
            close(fd)
            let error = try? JSONDecoder().decode([String: String].self, from: Data(all))
            throw AdminClient.Failure(description: error?["message"] ?? "the daemon answered HTTP \(status)")
        }
        self.fd = fd
        self.client = client
        self.status = status
        self.headers = AdminClient.headers(received)
        self.pending = body
    }

    deinit { close(fd) }

    /// The next piece of the body, or nil at its end.
    public mutating func next() throws -> [UInt8]? {
        if !pending.isEmpty {
            defer { pending = [] }
            return pending
        }
        return try client.read(fd)
    }
}

extension AdminClient {
    /// A head longer than this is not the daemon's.
    public static let headBytesMax = 64 << 10

    /// The offset of the blank line ending the head, or nil.
    public static func headEnd(_ response: [UInt8]) -> Int? {
        let separator: [UInt8] = [13, 10, 13, 10]
        return (0..<max(0, response.count - 3)).first { Array(response[$0..<$0 + 4]) == separator }
    }

    /// The head's header fields, names in lower case.
    public static func headers(_ response: [UInt8]) -> [String: String] {
        guard let end = headEnd(response) else { return [:] }
        var out: [String: String] = [:]
        for line in String(decoding: response[..<end], as: UTF8.self).split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one client of the admin API (docs/admin-api.md): one HTTP/1.1 request per connection on
/// the daemon's Unix socket. The CLI, `kiban dev` and the tests all reach the daemon through it.
/// Blocking: call it from a thread of its own, or from synchronous CLI code.
public struct AdminClient: Sendable {
    /// The daemon's admin socket.
    public let socketPath: String
    /// How long to wait for each read of the answer once the request is sent (0: forever).
    public var answerSecondsMax: Int

    /// The CLI's bound: the store answers or fails within about 30 s; beyond this the daemon is stuck.
    public static let answerSecondsDefault = 60

    /// A client of the daemon at `socketPath`.
    public init(socketPath: String, answerSecondsMax: Int = Self.answerSecondsDefault) {
        self.socketPath = socketPath
        self.answerSecondsMax = answerSecondsMax
    }

    /// A failure to show the operator, exiting non-zero.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// Sends a request; returns the status and the JSON body.
    /// - Throws: ``Failure`` when the daemon cannot be reached or its answer is cut short.
    public func call(_ method: String, _ path: String, body: [UInt8] = []) throws -> (Int, [UInt8]) {
        let fd = try send(method, path, body: body, version: "1.1", timeoutSeconds: answerSecondsMax)
        defer { close(fd) }
        return try readResponse(fd)
    }

    /// Connects and writes one request; returns the socket, whose reads time out after
    /// `timeoutSeconds` (0: never).
    public func send(_ method: String, _ path: String, body: [UInt8], version: String, timeoutSeconds: Int) throws -> Int32 {
        let fd = try openConnection(timeoutSeconds: timeoutSeconds)
        do {
            try writeAll(fd, Self.request(method, path, body: body, version: version))
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// The bytes of a request with a JSON body.
    static func request(_ method: String, _ path: String, body: [UInt8], version: String = "1.1") -> [UInt8] {
        let head =
            "\(method) \(path) HTTP/\(version)\r\nHost: kiban\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// A connected socket whose reads and writes time out after `timeoutSeconds` (0: never);
    /// the caller closes it.
    public func openConnection(timeoutSeconds: Int? = nil) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: timeoutSeconds ?? answerSecondsMax, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        do { try connect(fd) } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Reads the daemon's answer until it closes the connection.
    public func readResponse(_ fd: Int32) throws -> (Int, [UInt8]) {
        var response: [UInt8] = []
        while let bytes = try read(fd) { response += bytes }
        return try Self.parse(response)
    }

    /// The next bytes from the daemon, or nil at the end of the answer.
    public func read(_ fd: Int32) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                throw Failure(description: "the daemon at \(socketPath) did not answer within \(answerSecondsMax) s; check its log (journalctl -u kiban)")
            }
            if n < 0 { throw Failure(description: "the connection to \(socketPath) failed: \(String(cString: strerror(errno)))") }
            guard n > 0 else { return nil }
            return Array(buffer[0..<n])
        }
    }

    private func connect(_ fd: Int32) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "the socket path \(socketPath) is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let reason = errno
            if reason == EACCES {
                throw Failure(description: "permission denied on \(socketPath): run as root or as a member of group kiban")
            }
            throw Failure(
                description:
                    "no daemon at \(socketPath): is kiban.service running? (or choose a member with --socket or KIBAN_SOCKET) [\(String(cString: strerror(reason)))]"
            )
        }
    }

    /// Writes all of `bytes` (no SIGPIPE: a closed connection is an error).
    public func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "the daemon at \(socketPath) closed the connection") }
            offset += n
        }
    }

    /// Splits a whole answer, `HTTP/1.1 200 OK\r\n…\r\n\r\nbody`. The daemon sends
    /// Content-Length and closes; fewer body bytes than it announced is an answer cut short.
    public static func parse(_ response: [UInt8]) throws -> (Int, [UInt8]) {
        let (status, body) = try parseHead(response)
        if let length = headers(response)["content-length"].flatMap({ Int($0) }), length != body.count {
            throw Failure(description: "the daemon's answer was cut short (\(body.count) of \(length) bytes); check its log (journalctl -u kiban)")
        }
        return (status, body)
    }

    /// The status and the body bytes so far of an answer whose head has arrived.
    static func parseHead(_ response: [UInt8]) throws -> (Int, [UInt8]) {
        guard let end = headEnd(response) else {
            throw Failure(description: "the daemon's answer was cut short; check its log (journalctl -u kiban)")
        }
        let head = String(decoding: response[..<end], as: UTF8.self)
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw Failure(description: "the daemon's answer is not HTTP")
        }
        return (status, Array(response[(end + 4)...]))
    }
}

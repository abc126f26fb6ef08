import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The CLI's only way to the daemon: one HTTP/1.1 request per connection on the admin socket.
struct AdminClient {
    let socketPath: String
    static let answerSecondsMax = 60

    /// A failure to show the operator, exiting non-zero.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends a request; returns the status and the JSON body.
    func call(_ method: String, _ path: String, body: [UInt8] = []) throws -> (Int, [UInt8]) {
        let fd = try send(method, path, body: body, version: "1.1", timeoutSeconds: Self.answerSecondsMax)
        defer { close(fd) }
        return try readResponse(fd)
    }

    /// Connects and writes one request; returns the socket, whose reads time out after
    /// `timeoutSeconds` (0: never).
    func send(_ method: String, _ path: String, body: [UInt8], version: String, timeoutSeconds: Int) throws -> Int32 {
        let fd = try openConnection(timeoutSeconds: timeoutSeconds)
        do {
            let head =
                "\(method) \(path) HTTP/\(version)\r\nHost: kiban\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            try writeAll(fd, Array(head.utf8) + body)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// A connected socket whose reads time out after `timeoutSeconds` (0: never); the caller
    /// closes it.
    func openConnection(timeoutSeconds: Int = Self.answerSecondsMax) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        // The store answers or fails within about 30 s; beyond this the daemon is stuck.
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        do { try connect(fd) } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Reads the daemon's answer until it closes the connection.
    func readResponse(_ fd: Int32) throws -> (Int, [UInt8]) {
        var response: [UInt8] = []
        while let bytes = try read(fd) { response += bytes }
        return try Self.parse(response)
    }

    /// The next bytes from the daemon, or nil at the end of the answer.
    func read(_ fd: Int32) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                throw Failure(description: "the daemon at \(socketPath) did not answer within \(Self.answerSecondsMax) s; check its log (journalctl -u kiban)")
            }
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

    func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "the daemon at \(socketPath) closed the connection") }
            offset += n
        }
    }

    /// Splits `HTTP/1.1 200 OK\r\n…\r\n\r\nbody` (the daemon always sends Content-Length and closes).
    static func parse(_ response: [UInt8]) throws -> (Int, [UInt8]) {
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

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
        let fd = try openConnection()
        defer { close(fd) }
        let head = "\(method) \(path) HTTP/1.1\r\nHost: kiban\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        try writeAll(fd, Array(head.utf8) + body)
        return try readResponse(fd)
    }

    /// A connected socket; the caller closes it.
    func openConnection() throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        // The store answers or fails within about 30 s; beyond this the daemon is stuck.
        var timeout = timeval(tv_sec: Self.answerSecondsMax, tv_usec: 0)
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
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                throw Failure(description: "the daemon at \(socketPath) did not answer within \(Self.answerSecondsMax) s; check its log (journalctl -u kiban)")
            }
            guard n > 0 else { break }
            response += buffer[0..<n]
        }
        return try Self.parse(response)
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
            throw Failure(description: "no daemon at \(socketPath): is kiban.service running? (or choose a member with --socket or KIBAN_SOCKET) [\(String(cString: strerror(reason)))]")
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
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else {
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

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One admin API request on a member's Unix socket, the way an operator's script would send it
/// (HTTP/1.1, one connection per request), with a deadline. Blocking: call it from a thread of
/// its own, not from a Swift concurrency task.
struct AdminConnection: Sendable {
    let socketPath: String
    /// How long to wait for the answer once the request is sent.
    var answerSecondsMax = 5

    /// How a request ended.
    enum Outcome: Sendable {
        /// The daemon answered with this status and JSON body.
        case answered(status: Int, body: Data)
        /// Nothing reached the daemon (no socket, connection refused): the request had no effect.
        case refused(String)
        /// The request was sent but no full answer came back (timeout, connection lost): it may
        /// or may not have taken effect.
        case lost(String)
    }

    func send(_ method: String, _ path: String, json: [String: Any]? = nil) -> Outcome {
        send(method, path, body: json.flatMap { try? JSONSerialization.data(withJSONObject: $0) } ?? Data())
    }

    /// Sends `body` as it is (JSON text that `JSONSerialization` would not write, such as
    /// numbers past every integer type).
    func send(_ method: String, _ path: String, body: Data) -> Outcome {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .refused("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: answerSecondsMax, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd) else { return .refused("connect \(socketPath): \(String(cString: strerror(errno)))") }
        let head = "\(method) \(path) HTTP/1.1\r\nHost: kiban\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + Array(body)
        var offset = 0
        while offset < request.count {
            let n = request[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .lost("write: \(String(cString: strerror(errno)))") }
            offset += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .lost("no answer within \(answerSecondsMax) s: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            response += buffer[0..<n]
        }
        return Self.parse(response)
    }

    private func connect(_ fd: Int32) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    /// A complete answer has a status line and as many body bytes as Content-Length says.
    static func parse(_ response: [UInt8]) -> Outcome {
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return .lost("the connection closed before the answer's head") }
        let head = text[..<split.lowerBound]
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { return .lost("not an HTTP answer: \(head.prefix(80))") }
        let body = Data(text[split.upperBound...].utf8)
        let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
        guard length.map({ $0 == body.count }) ?? true else { return .lost("the answer was cut short") }
        return .answered(status: status, body: body)
    }
}

extension AdminConnection.Outcome {
    /// The JSON of a 200 answer, or nil.
    var json: Any? {
        guard case .answered(200, let body) = self else { return nil }
        return try? JSONSerialization.jsonObject(with: body)
    }
}

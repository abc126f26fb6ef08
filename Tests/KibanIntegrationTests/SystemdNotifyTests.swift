import Foundation
import KibanTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `READY=1` for systemd's `Type=notify`, on a datagram socket the test owns.
@Suite("Readiness notification", .serialized)
struct SystemdNotifyTests {
    @Test("READY=1 reaches NOTIFY_SOCKET once the daemon serves, and after a restart once its store is open")
    func ready() async throws {
        let root = try temporaryDirectory("kiban-notify")
        let path = root + "/notify.sock"
        let fd = try Self.datagramSocket(at: path)
        defer {
            close(fd)
            try? FileManager.default.removeItem(atPath: root)
        }
        let server = try DaemonTestSupport.server("n-1", under: root)
        server.environment = ["NOTIFY_SOCKET": path]
        defer { server.stop() }

        try await server.start()
        #expect(try Self.receive(fd) == "READY=1")
        let cluster = Cluster(root: root, members: [server])
        try await cluster.initialize()
        try await poll("the new member to lead", seconds: DaemonTestSupport.waitSeconds) { cluster.leader(seenBy: server) != nil }
        #expect(server.cli("kv", "put", "k", "v").code == 0)
        server.stop()
        #expect(try Self.receive(fd) == "STOPPING=1")

        try await server.start()
        #expect(try Self.receive(fd) == "READY=1")
        // Ready means the store is open: the member is initialized and answers reads.
        #expect(server.status()?["initialized"] as? Bool == true)
        try await poll("a read after restart", seconds: DaemonTestSupport.waitSeconds) { server.cli("kv", "get", "k").stdout == "v\n" }
    }

    static func datagramSocket(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind \(path): errno \(errno)") }
        var timeout = timeval(tv_sec: DaemonTestSupport.waitSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// The next datagram, waiting at most the suite's deadline.
    static func receive(_ fd: Int32) throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n >= 0 else { throw TestFailure("no datagram on NOTIFY_SOCKET within \(DaemonTestSupport.waitSeconds) s (errno \(errno))") }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }
}

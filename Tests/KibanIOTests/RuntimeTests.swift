import Foundation
import KibanTestSupport
import Testing

@testable import KibanIO

/// Runtime behaviour that is not HTTP: startup errors and shutdown.
@Suite("io_uring runtime")
struct RuntimeTests {
    @Test(
        "An unavailable io_uring is reported with its cause and what to do",
        arguments: [
            (EPERM, Optional(1), "kernel.io_uring_group"), (EPERM, nil, "seccomp"), (ENOSYS, nil, "Linux 6.1"),
            (ENOMEM, nil, "RLIMIT_MEMLOCK"),
        ])
    func unavailableMessages(errno code: Int32, sysctl: Int?, mention: String) {
        let error = IOUringAvailability.unavailable(errno: code, sysctl: sysctl)
        #expect(error.code == .ioUringUnavailable)
        #expect(error.message.contains(mention))
        #expect(error.errno == code)
    }

    @Test("Binding a port that is taken fails with an error naming the address", needsIOUring)
    func bindConflict() async throws {
        let server = try TestServer()
        let other = HTTPServer(router: HTTPRouter(), rings: 1, logger: .init(label: "test"))
        // A listener without SO_REUSEPORT owns the port, so a second bind must fail.
        let blocker = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(blocker) }
        var address = IPv4Endpoint.loopback(port: 0).sockaddr
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(blocker, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(blocker, 1)
        let port = try Socket.localEndpoint(blocker).port
        #expect(server.port != port)
        do {
            let runtime = try IORuntime.start(
                configuration: IOConfiguration(rings: 1),
                tcp: [other.service(at: .loopback(port: port))], logger: .init(label: "test"))
            runtime.shutdown()
            Issue.record("bind should have failed")
        } catch {
            #expect(error.code == .systemCall)
            #expect(error.message.contains("127.0.0.1:\(port)"))
            #expect(error.errno == EADDRINUSE)
        }
    }

    @Test("A second server on a port a running one holds fails instead of sharing it", needsIOUring)
    func noSilentSharing() async throws {
        let server = try TestServer()
        let other = HTTPServer(router: HTTPRouter(), rings: 1, logger: .init(label: "test"))
        #expect(throws: IOError.self) {
            let runtime = try IORuntime.start(
                configuration: IOConfiguration(rings: 1),
                tcp: [other.service(at: .loopback(port: server.port))],
                logger: .init(label: "test"))
            runtime.shutdown()
        }
    }

    @Test(
        "Shutdown lets a response in flight finish before the rings exit", needsIOUring,
        .enabled(if: haveCommand("python3"), "python3 is not installed"))
    func drain() async throws {
        let server = try TestServer()
        // The client waits before reading, so most of the 5 MiB is still queued at shutdown.
        let script = """
            import hashlib, socket, sys, time
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(60)
            s.sendall(b"GET /files/large.bin HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")
            time.sleep(0.5)
            data = b""
            while True:
                chunk = s.recv(1 << 16)
                if not chunk: break
                data += chunk
            body = data.split(b"\\r\\n\\r\\n", 1)[1]
            print(len(body), hashlib.sha256(body).hexdigest())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, "\(server.port)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while server.http.counters.requests == 0, Date() < deadline { usleep(5000) }
        #expect(server.http.counters.requests == 1)
        server.runtime.shutdown()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let expected = try await run(["sh", "-c", "sha256sum \(server.directory.path)/large.bin"]).text.prefix(64)
        #expect(text == "\(5 << 20) \(expected)\n")
        #expect(server.http.counters.openConnections == 0)
    }
}

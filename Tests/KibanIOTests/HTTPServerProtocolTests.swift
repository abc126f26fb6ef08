import Foundation
import KibanTestSupport
import Testing

@testable import KibanIO

/// Protocol edge cases over raw sockets (a Python client), where curl would fix the request up.
@Suite("HTTP server protocol edges", needsIOUring, .enabled(if: haveCommand("python3"), "python3 is not installed"))
struct HTTPServerProtocolTests {
    static func request(_ target: String, _ extra: String = "") -> [UInt8] {
        Array("GET \(target) HTTP/1.1\r\nHost: test\r\n\(extra)\r\n".utf8)
    }

    @Test("Pipelined requests are answered in order on one connection")
    func pipelining() async throws {
        let server = try TestServer()
        let requests =
            Self.request("/files/boot.ipxe") + Self.request("/files/missing") + Self.request("/ipxe/A")
            + Self.request("/files/large.bin", "Range: bytes=0-9\r\n") + Self.request("/ipxe/B", "Connection: close\r\n")
        let result = try await rawExchange(port: server.port, request: requests)
        #expect(result.status == 0, "the server should close after Connection: close")
        let responses = splitResponses(result.stdout)
        #expect(responses.map(\.status) == [200, 404, 200, 206, 200])
        #expect(responses.count == 5)
        guard responses.count == 5 else { return }
        #expect(String(decoding: responses[2].body, as: UTF8.self).hasSuffix("serial A\n"))
        #expect(responses[3].body == TestServer.largeFile.prefix(10))
        #expect(String(decoding: responses[4].body, as: UTF8.self).hasSuffix("serial B\n"))
        #expect(responses[4].head.contains("Connection: close"))
    }

    @Test("HEAD, conditional and ranged requests behave alike for dynamic routes, HTTP/1.0 closes by default")
    func dynamicAndVersions() async throws {
        let server = try TestServer()
        let requests =
            Array("HEAD /ipxe/h HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            + Self.request("/ipxe/h", "If-None-Match: \"script-v1\"\r\n")
            + Self.request("/ipxe/h", "Range: bytes=0-5\r\n")
            + Self.request("/ipxe/h", "Range: bytes=0-5\r\nIf-Range: \"other\"\r\n")
            + Array("GET http://t/ipxe/abs HTTP/1.0\r\n\r\n".utf8)
        let result = try await rawExchange(port: server.port, request: requests)
        #expect(result.status == 0, "HTTP/1.0 without keep-alive should close")
        let responses = splitResponses(result.stdout, headResponses: [0])
        #expect(responses.map(\.status) == [200, 304, 206, 200, 200])
        guard responses.count == 5 else { return }
        let body = "#!ipxe\necho serial h\n"
        #expect(responses[0].head.contains("Content-Length: \(body.utf8.count)"))
        #expect(String(decoding: responses[2].body, as: UTF8.self) == "#!ipxe")
        #expect(String(decoding: responses[3].body, as: UTF8.self) == body)
        #expect(String(decoding: responses[4].body, as: UTF8.self).hasSuffix("serial abs\n"))
    }

    @Test("Python's http.client reuses one keep-alive connection for several requests")
    func keepAlive() async throws {
        let server = try TestServer()
        let script = """
            import http.client, sys
            c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
            ports = set()
            for path in ["/files/boot.ipxe", "/ipxe/x", "/files/missing", "/files/large.bin"]:
                c.request("GET", path)
                r = c.getresponse()
                body = r.read()
                ports.add(c.sock.getsockname()[1])
                print(r.status, len(body))
            print("connections", len(ports))
            """
        let result = try await run(["python3", "-c", script, "\(server.port)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.text.split(separator: "\n") == [
                "200 \(TestServer.script.utf8.count)", "200 \("#!ipxe\necho serial x\n".utf8.count)", "404 14", "200 \(5 << 20)", "connections 1",
            ])
    }

    @Test(
        "Path traversal attempts never leave the served directory",
        arguments: [
            "/files/../etc/passwd", "/files/%2e%2e/%2e%2e/etc/passwd", "/files/%2E%2E/etc/passwd",
            "/files/sub/..%2f..%2fetc/passwd", "/files/..%5c..%5cetc/passwd", "/../../../../etc/passwd",
            "/files/%00", "/files/%zz",
        ])
    func traversal(target: String) async throws {
        let server = try TestServer()
        let result = try await rawExchange(port: server.port, request: Self.request(target, "Connection: close\r\n"))
        let response = splitResponses(result.stdout).first
        #expect(response?.status == 400 || response?.status == 404)
        #expect(!result.text.contains("root:"))
    }

    @Test(
        "Malformed requests are 400, over-long lines 414, over-large heads 431, bodies 413",
        arguments: [
            ("GARBAGE\r\n\r\n", 400), ("GET /files/boot.ipxe HTTP/1.1\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nHost: a\r\nBad Header: 1\r\n\r\n", 400),
            ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414),
            ("GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X-Filler: 0123456789abcdef\r\n", count: 700) + "\r\n", 431),
            ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 413),
            ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ])
    func rejected(request: String, status: Int) async throws {
        let server = try TestServer()
        let result = try await rawExchange(port: server.port, request: Array(request.utf8))
        #expect(result.status == 0, "the server should close the connection")
        #expect(splitResponses(result.stdout).first?.status == status)
    }

    @Test("A client that never finishes its head gets 408 and is closed (slowloris)", arguments: [0, 40])
    func slowloris(trickleMilliseconds: Int) async throws {
        let server = try TestServer(\.headerTimeoutMilliseconds, 300)
        // Trickling one byte per 40 ms keeps the connection busy for far longer than the timeout.
        let partial =
            Array("GET /files/boot.ipxe HTTP/1.1\r\nHost: test\r\nX-Slow: ".utf8)
            + [UInt8](repeating: UInt8(ascii: "a"), count: 400)
        let result = try await rawExchange(
            port: server.port, request: partial, deadlineSeconds: 10,
            trickleMilliseconds: trickleMilliseconds)
        #expect(result.status == 0, "the server should have closed the connection within 10 s")
        #expect(splitResponses(result.stdout).first?.status == 408)
    }

    @Test("An idle keep-alive connection is closed after the idle timeout")
    func idleTimeout() async throws {
        let server = try TestServer(\.idleTimeoutMilliseconds, 300)
        let result = try await rawExchange(port: server.port, request: Self.request("/files/boot.ipxe"), deadlineSeconds: 10)
        #expect(result.status == 0, "the server should have closed the idle connection within 10 s")
        #expect(splitResponses(result.stdout).map(\.status) == [200])
    }

    @Test("Connections beyond the per-ring limit get 503")
    func connectionLimit() async throws {
        let server = try TestServer(\.connectionsPerRing, 1)
        let script = """
            import socket, sys, time
            port = int(sys.argv[1])
            first = socket.create_connection(("127.0.0.1", port)); first.settimeout(60)
            first.sendall(b"GET /ipxe/a HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n"); first.recv(4096)
            second = socket.create_connection(("127.0.0.1", port)); second.settimeout(60)
            print(second.recv(4096).split(b"\\r\\n")[0].decode())
            """
        let result = try await run(["python3", "-c", script, "\(server.port)"])
        #expect(result.text == "HTTP/1.1 503 Service Unavailable\n", "\(result.stderr)")
        #expect(server.http.counters.openConnections <= 1)
    }
}

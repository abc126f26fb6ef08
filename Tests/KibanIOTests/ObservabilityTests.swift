import Foundation
import KibanTestSupport
import Logging
import Synchronization
import Testing

@testable import KibanIO

/// Counters, the sampled access log, and the send-stall timeout, observed from outside.
@Suite(
    "HTTP counters, access log and stalls", needsIOUring,
    .enabled(if: haveCommand("python3"), "python3 is not installed"))
struct ObservabilityTests {
    @Test("Every request is counted and either logged or counted as skipped by the access-log sampler")
    func countersAndAccessLog() async throws {
        let lines = CollectedLines()
        var logger = Logger(label: "kiban.io.test") { _ in CollectingHandler(lines: lines) }
        logger.logLevel = .info
        var router = HTTPRouter()
        router.get("/x") { _ in .text("x") }
        let http = HTTPServer(router: router, accessLogLinesPerSecond: 5, rings: 1, logger: logger)
        let runtime = try IORuntime.start(
            configuration: IOConfiguration(rings: 1),
            tcp: [http.service(at: .loopback(port: 0))], logger: logger)
        defer { runtime.shutdown() }
        let script = """
            import http.client, sys
            c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
            for _ in range(50):
                c.request("GET", "/x"); c.getresponse().read()
            c.request("GET", "/missing"); c.getresponse().read()
            c.close()
            """
        let result = try await run(["python3", "-c", script, "\(runtime.tcpEndpoints[0].port)"])
        #expect(result.status == 0, "\(result.stderr)")
        let counters = http.counters
        #expect(counters.requests == 51)
        #expect(counters.responsesByStatus == [200: 50, 404: 1])
        #expect(counters.errors == 1)
        #expect(counters.bytesSent > 51 * 100)
        let logged = lines.all.filter { $0.message == "request" }
        #expect(logged.count + counters.accessLogLinesSkipped == 51)
        #expect(logged.allSatisfy { $0.metadata["kiban.io.status"] != nil && $0.metadata["kiban.io.ring"] == "0" })
    }

    @Test("A client that stops reading a large response is cut off after the send-stall timeout")
    func sendStall() async throws {
        let server = try TestServer(\.sendStallTimeoutMilliseconds, 300)
        // The client asks for 5 MiB, reads nothing, and holds the socket until the server resets
        // it (its TCP state leaves ESTABLISHED) or 90 s pass, longer than the 60 s allowed below (bounds for a loaded machine).
        let script = """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"GET /files/large.bin HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n")
            end = time.monotonic() + float(sys.argv[2])
            while time.monotonic() < end and s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 1:
                time.sleep(0.05)
            """
        async let client = run(["python3", "-c", script, "\(server.port)", "90"])
        let deadline = Date().addingTimeInterval(60)
        while server.http.counters.requests == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        while server.http.counters.openConnections > 0, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.http.counters.requests == 1)
        #expect(server.http.counters.openConnections == 0, "the stalled connection should be closed within 60 s")
        _ = try await client
    }

    @Test("SO_BINDTODEVICE: a socket bound to lo serves, an unknown interface is named in the error")
    func bindToDevice() async throws {
        let echo: DatagramHandler = { datagram, _ in DatagramReply(answering: datagram, payload: datagram.payload) }
        let runtime = try IORuntime.start(
            configuration: IOConfiguration(rings: 1),
            udp: [UDPService(endpoint: .any(port: 0), device: "lo", broadcast: true, handler: echo)],
            logger: Logger(label: "kiban.io.test"))
        defer { runtime.shutdown() }
        let port = runtime.udpEndpoints[0].port
        let result = try await UDPTests.exchange(address: "127.0.0.1", port: port, payload: "on-lo")
        #expect(result.text == "127.0.0.1 \(port) on-lo\n", "\(result.stderr)")
        do {
            let other = try IORuntime.start(
                configuration: IOConfiguration(rings: 1),
                udp: [UDPService(endpoint: .any(port: 0), device: "no-such-if0", handler: echo)],
                logger: Logger(label: "kiban.io.test"))
            other.shutdown()
            Issue.record("binding to a missing interface should fail")
        } catch {
            #expect(error.message.contains("no-such-if0"))
        }
    }
}

/// Log lines kept for inspection.
final class CollectedLines: Sendable {
    struct Line: Sendable {
        var message: String
        var metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])
    func add(_ line: Line) { lines.withLock { $0.append(line) } }
    var all: [Line] { lines.withLock { $0 } }
}

/// A swift-log handler that keeps every line.
struct CollectingHandler: LogHandler {
    let lines: CollectedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.add(.init(message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}

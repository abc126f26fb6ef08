import Foundation
import KibanTestSupport
import Logging
import Synchronization
import Testing

@testable import KibanIO

/// UDP serving: replies leave from the address the request arrived on (IP_PKTINFO), both when
/// the handler answers at once and when it answers later from a task.
@Suite("UDP with IP_PKTINFO", needsIOUring, .enabled(if: haveCommand("python3"), "python3 is not installed"))
struct UDPTests {
    /// Sends `payload` from 127.0.0.1 to `address:port` and prints the reply's source and bytes.
    static func exchange(address: String, port: UInt16, payload: String) async throws -> RunResult {
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0)); s.settimeout(60)
            s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
            data, source = s.recvfrom(65536)
            print(source[0], source[1], data.decode())
            """
        return try await run(["python3", "-c", script, address, "\(port)", payload])
    }

    static func start(_ handler: @escaping DatagramHandler) throws -> IORuntime {
        var logger = Logger(label: "kiban.io.test")
        logger.logLevel = .warning
        return try IORuntime.start(
            configuration: IOConfiguration(rings: 1),
            udp: [UDPService(endpoint: .any(port: 0), handler: handler)], logger: logger)
    }

    @Test("A reply leaves from the local address the request was sent to (127.0.0.2, not 127.0.0.1)")
    func replySourceAddress() async throws {
        let seen = Mutex<Datagram?>(nil)
        let runtime = try Self.start { datagram, _ in
            seen.withLock { $0 = datagram }
            return DatagramReply(answering: datagram, payload: Array("echo:".utf8) + datagram.payload)
        }
        defer { runtime.shutdown() }
        let port = runtime.udpEndpoints[0].port
        let result = try await Self.exchange(address: "127.0.0.2", port: port, payload: "hello")
        #expect(result.text == "127.0.0.2 \(port) echo:hello\n", "\(result.stderr)")
        let datagram = seen.withLock { $0 }
        #expect(datagram?.local.addressText == "127.0.0.2")
        #expect(datagram?.destination.addressText == "127.0.0.2")
        #expect(datagram?.source.addressText == "127.0.0.1")
        #expect((datagram?.interfaceIndex ?? 0) > 0)
    }

    @Test("A handler can answer later from a task through the replier")
    func deferredReply() async throws {
        let events = EventLog()
        let start = Date()
        let runtime = try Self.start { datagram, replier in
            events.add("handler \(Date().timeIntervalSince(start))")
            Task.detached {
                events.add("task \(Date().timeIntervalSince(start))")
                try? await Task.sleep(for: .milliseconds(20))
                let ok = replier.send(DatagramReply(answering: datagram, payload: Array("later:".utf8) + datagram.payload))
                events.add("sent \(ok) \(Date().timeIntervalSince(start))")
            }
            return nil
        }
        defer { runtime.shutdown() }
        let port = runtime.udpEndpoints[0].port
        let result = try await Self.exchange(address: "127.0.0.3", port: port, payload: "lease")
        #expect(result.text == "127.0.0.3 \(port) later:lease\n", "\(result.stderr) \(events.lines)")
    }
}

final class EventLog: Sendable {
    private let entries = Mutex<[String]>([])
    func add(_ line: String) { entries.withLock { $0.append(line) } }
    var lines: [String] { entries.withLock { $0 } }
}

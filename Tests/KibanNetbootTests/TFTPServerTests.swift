import Foundation
import Glibc
import KibanIO
import KibanNetboot
import KibanTestSupport
import Logging
import Synchronization
import Testing

/// The TFTP server on a real io_uring runtime, asked by tftp-hpa's `tftp` and busybox `tftp`.
@Suite("TFTP server with real clients", .serialized)
struct TFTPServerTests {
    /// A file of 3.5 blocks of 512 bytes and one larger than 65535 blocks of 8 bytes would be
    /// slow; 200 KiB crosses many block boundaries with either block size.
    static let small: [UInt8] = Array((0..<1800).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    static let large: [UInt8] = Array((0..<204_800).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) })

    func withServer(transfersMax: Int = TFTPServer.transfersMaxDefault, _ body: (TFTPServer, UInt16) throws -> Void) throws {
        let tftp = TFTPServer(
            files: ["undionly.kpxe": Self.small, "ipxe.efi": Self.large], logger: Logger(label: "test"),
            transfersMax: transfersMax)
        let runtime = try IORuntime.start(
            configuration: IOConfiguration(rings: 2), udp: [tftp.service(at: .loopback(port: 0))],
            logger: Logger(label: "test"))
        // A thread of its own, not a task: this test blocks in recv(2), and so may tests running
        // beside it, which can occupy every thread of the cooperative pool on a 2-core machine.
        let stop = Mutex(false)
        let timer = Thread {
            while !stop.withLock({ $0 }) {
                usleep(100_000)
                tftp.tick(now: TFTPServer.milliseconds())
            }
        }
        timer.start()
        defer {
            stop.withLock { $0 = true }
            runtime.shutdown()
        }
        try body(tftp, runtime.udpEndpoints[0].port)
    }

    static func tool(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

    func run(_ tool: String, _ args: [String], in dir: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["60", tool] + args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test("tftp-hpa fetches both files byte for byte", .enabled(if: tool("/usr/bin/tftp"), "needs tftp-hpa (apt install tftp-hpa)"))
    func tftpHPA() throws {
        try withServer { server, port in
            let dir = try makeTemporaryDirectory("tftp-hpa")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            for (name, bytes) in [("undionly.kpxe", Self.small), ("ipxe.efi", Self.large)] {
                let code = try run("/usr/bin/tftp", ["127.0.0.1", "\(port)", "-m", "binary", "-c", "get", name, dir + "/" + name], in: dir)
                #expect(code == 0)
                #expect(FileManager.default.contents(atPath: dir + "/" + name).map(Array.init) == bytes)
            }
            // The client exits once it has sent its last ACK; the ring handles that ACK after.
            try pollBlocking("server.transferCounts.completed == 2") { server.transferCounts.completed == 2 }
        }
    }

    @Test(
        "busybox tftp fetches with a negotiated block size; an unknown file is an error",
        .enabled(if: tool("/bin/busybox") || tool("/usr/bin/busybox"), "needs busybox"))
    func busybox() throws {
        let busybox = Self.tool("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox"
        try withServer { server, port in
            let dir = try makeTemporaryDirectory("tftp-bb")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let code = try run(busybox, ["tftp", "-b", "1468", "-g", "-r", "/ipxe.efi", "-l", dir + "/out", "127.0.0.1", "\(port)"], in: dir)
            #expect(code == 0)
            #expect(FileManager.default.contents(atPath: dir + "/out").map(Array.init) == Self.large)
            let missing = try run(busybox, ["tftp", "-g", "-r", "nothing.bin", "-l", dir + "/none", "127.0.0.1", "\(port)"], in: dir)
            #expect(missing != 0)
        }
    }

    @Test("Each transfer answers from a new port; an unacknowledged block is sent again, and a duplicate ACK gets no second copy")
    func retransmission() throws {
        try withServer { server, port in
            let client = try RawTFTPClient()
            client.send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: []), to: port)
            let (first, tid) = try #require(client.receive())
            #expect(first == .data(block: 1, payload: Array(Self.small[0..<512])))
            #expect(tid != port, "RFC 1350 §4: the transfer has its own port")
            // No ACK: the server sends block 1 again after its 1 s timeout, from the same port.
            let again = client.receive()
            #expect(again?.0 == first && again?.1 == tid)
            client.send(.ack(block: 1), to: tid)
            #expect(client.receive()?.0 == .data(block: 2, payload: Array(Self.small[512..<1024])))
            client.send(.ack(block: 1), to: tid)  // duplicate: ignored
            client.send(.ack(block: 2), to: tid)
            #expect(client.receive()?.0 == .data(block: 3, payload: Array(Self.small[1024..<1536])))
            client.send(.ack(block: 3), to: tid)
            #expect(client.receive()?.0 == .data(block: 4, payload: Array(Self.small[1536...])))
            client.send(.ack(block: 4), to: tid)
            // Exactly one copy of each block arrived: nothing further is queued.
            #expect(client.receive(timeoutMilliseconds: 300) == nil)
            try pollBlocking("server.transferCounts.completed == 1 && server.activeTransfers == 0") {
                server.transferCounts.completed == 1 && server.activeTransfers == 0
            }
            // The transfer's port is closed with it: an ACK there gets no answer.
            client.send(.ack(block: 4), to: tid)
            #expect(client.receive(timeoutMilliseconds: 300) == nil)
        }
    }

    @Test("A packet from an unknown transfer ID gets ERROR 5 from the transfer's port, and the transfer carries on")
    func unknownTransferID() throws {
        try withServer { server, port in
            let client = try RawTFTPClient()
            let stranger = try RawTFTPClient()
            client.send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: [("blksize", "1024"), ("timeout", "10")]), to: port)
            let (oack, tid) = try #require(client.receive())
            // A 5 s timeout (10 capped): no retransmission of the OACK lands between the steps below.
            #expect(oack == .optionAck([("blksize", "1024"), ("timeout", "5")]))
            stranger.send(.ack(block: 0), to: tid)
            let refusal = try #require(stranger.receive())
            #expect(refusal.1 == tid)
            guard case .error(let code, _) = refusal.0 else {
                Issue.record("expected ERROR, got \(refusal.0)")
                return
            }
            #expect(code == .unknownTransferID)
            // The stranger's ACK advanced nothing and sent the client nothing.
            client.send(.ack(block: 0), to: tid)
            #expect(client.receive()?.0 == .data(block: 1, payload: Array(Self.small[0..<1024])))
            stranger.send(.ack(block: 1), to: tid)
            #expect(stranger.receive().map { if case .error(.unknownTransferID, _) = $0.0 { true } else { false } } == true)
            client.send(.ack(block: 1), to: tid)
            #expect(client.receive()?.0 == .data(block: 2, payload: Array(Self.small[1024...])))
            client.send(.ack(block: 2), to: tid)
            try pollBlocking("server.transferCounts.completed == 1 && server.activeTransfers == 0") {
                server.transferCounts.completed == 1 && server.activeTransfers == 0
            }
            // An ACK on the server port belongs to no transfer.
            client.send(.ack(block: 1), to: port)
            guard case .error(.unknownTransferID, _)? = client.receive()?.0 else {
                Issue.record("expected ERROR 5 on the server port")
                return
            }
        }
    }

    @Test("Transfers beyond the bound are refused with an error from the server port until one ends")
    func transferBound() throws {
        try withServer(transfersMax: 2) { server, port in
            let clients = try (0..<3).map { _ in try RawTFTPClient() }
            var tids: [UInt16] = []
            for c in clients.prefix(2) {
                c.send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: []), to: port)
                tids.append(try #require(c.receive()).1)
            }
            clients[2].send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: []), to: port)
            try expectRefusal(clients[2], port: port, saying: "too many transfers")
            clients[0].send(.error(code: .undefined, message: "client gives up"), to: tids[0])
            try pollBlocking("server.activeTransfers == 1") { server.activeTransfers == 1 }
            clients[2].send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: []), to: port)
            #expect(clients[2].receive()?.0 == .data(block: 1, payload: Array(Self.small[0..<512])))
        }
    }

    @Test("A client's timeout option is capped at 5 s, and the OACK says so (RFC 2349)")
    func timeoutCapped() throws {
        try withServer { server, port in
            let client = try RawTFTPClient()
            client.send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: [("timeout", "255")]), to: port)
            let (oack, tid) = try #require(client.receive())
            #expect(oack == .optionAck([("timeout", "5")]))
            // Not acknowledged: the OACK comes again after 5 s, not 255 s.
            let again = client.receive(timeoutMilliseconds: 8000)
            #expect(again?.0 == oack && again?.1 == tid)
            client.send(.error(code: .undefined, message: "done"), to: tid)
            try pollBlocking("server.activeTransfers == 0") { server.activeTransfers == 0 }
        }
    }

    @Test("A ninth transfer from one address is refused with ERROR 0 from the server port until one of its eight ends")
    func transfersPerAddress() throws {
        try withServer { server, port in
            let clients = try (0..<9).map { _ in try RawTFTPClient() }
            var tids: [UInt16] = []
            for c in clients.prefix(8) {
                c.send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: [("timeout", "5")]), to: port)
                tids.append(try #require(c.receive()).1)
            }
            clients[8].send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: []), to: port)
            try expectRefusal(clients[8], port: port, saying: "too many transfers from 127.0.0.1")
            #expect(server.activeTransfers == 8)
            clients[0].send(.error(code: .undefined, message: "client gives up"), to: tids[0])
            try pollBlocking("server.activeTransfers == 7") { server.activeTransfers == 7 }
            clients[8].send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: []), to: port)
            #expect(clients[8].receive()?.0 == .data(block: 1, payload: Array(Self.small[0..<512])))
            for (c, tid) in zip(clients[1..<8], tids[1...]) { c.send(.error(code: .undefined, message: "done"), to: tid) }
        }
    }

    @Test("Transfer sockets are closed when transfers complete and when clients go silent: their ports are free again")
    func socketsClosed() throws {
        try withServer { server, port in
            var ports: [UInt16] = []
            // Completed transfers, one after another.
            for _ in 0..<20 {
                let client = try RawTFTPClient()
                client.send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: [("blksize", "1468")]), to: port)
                let (oack, tid) = try #require(client.receive())
                #expect(oack == .optionAck([("blksize", "1468")]))
                client.send(.ack(block: 0), to: tid)
                #expect(client.receive()?.0 == .data(block: 1, payload: Array(Self.small[0..<1468])))
                client.send(.ack(block: 1), to: tid)
                #expect(client.receive()?.0 == .data(block: 2, payload: Array(Self.small[1468...])))
                client.send(.ack(block: 2), to: tid)
                ports.append(tid)
            }
            // Silent clients: each transfer gives up after five resends one second apart.
            let silent = try (0..<5).map { _ in try RawTFTPClient() }
            for client in silent {
                client.send(.readRequest(filename: "ipxe.efi", mode: "octet", options: []), to: port)
                ports.append(try #require(client.receive()).1)
            }
            try pollBlocking("server.transferCounts.completed == 20 && server.transferCounts.abandoned == 5 && server.activeTransfers == 0") {
                server.transferCounts.completed == 20 && server.transferCounts.abandoned == 5 && server.activeTransfers == 0
            }
            // A port is free once the ring has closed its socket (when the cancelled receive ends).
            try pollBlocking("ports.allSatisfy(Self.isFree)") { ports.allSatisfy(Self.isFree) }
            #expect(ports.filter { !Self.isFree($0) } == [])
        }
    }

    /// The client's next packet is ERROR 0 from the server port, its message containing `text`.
    func expectRefusal(_ client: RawTFTPClient, port: UInt16, saying text: String) throws {
        let refused = try #require(client.receive())
        #expect(refused.1 == port)
        guard case .error(.undefined, let message) = refused.0 else {
            Issue.record("expected ERROR 0, got \(refused.0)")
            return
        }
        #expect(message.contains(text), "\(message)")
    }

    /// True when a UDP socket can bind 127.0.0.1:`port` (nobody holds it).
    static func isFree(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A TFTP client on a raw UDP socket on loopback: packets the real clients would not send.
final class RawTFTPClient: RawUDPSocket {
    func send(_ packet: TFTPPacket, to port: UInt16) {
        send(packet.bytes, to: port)
    }

    /// The next packet and the port it came from, or nil after the timeout (5 s by default: a
    /// retransmission takes 1 s).
    func receive(timeoutMilliseconds: Int = 5000) -> (TFTPPacket, UInt16)? {
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: Int((timeoutMilliseconds % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 2048)
        var from = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        while true {
            let n = withUnsafeMutablePointer(to: &from) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0, let packet = try? TFTPPacket(bytes: Array(buffer[0..<n])) else { return nil }
            return (packet, UInt16(bigEndian: from.sin_port))
        }
    }
}

struct TFTPTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

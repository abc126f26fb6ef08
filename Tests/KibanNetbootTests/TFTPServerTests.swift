import Foundation
import Glibc
import KibanIO
import KibanNetboot
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

    func withServer(_ body: (TFTPServer, UInt16) throws -> Void) throws {
        let tftp = TFTPServer(files: ["undionly.kpxe": Self.small, "ipxe.efi": Self.large], logger: Logger(label: "test"))
        let runtime = try IORuntime.start(configuration: IOConfiguration(rings: 2), udp: [tftp.service(at: .loopback(port: 0))],
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
        defer { stop.withLock { $0 = true }; runtime.shutdown() }
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
            #expect(server.transferCounts.completed == 2)
        }
    }

    @Test("busybox tftp fetches with a negotiated block size; an unknown file is an error",
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

    @Test("An unacknowledged block is sent again, and a duplicate ACK gets no second copy of the next block")
    func retransmission() throws {
        try withServer { server, port in
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var to = sockaddr_in()
            to.sin_family = sa_family_t(AF_INET)
            to.sin_port = port.bigEndian
            to.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            func send(_ packet: TFTPPacket) {
                let bytes = packet.bytes
                _ = withUnsafePointer(to: &to) { p in
                    p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            func receive() -> TFTPPacket? {
                var buffer = [UInt8](repeating: 0, count: 2048)
                while true {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { Issue.record("recv: \(String(cString: strerror(errno)))") }
                    return n > 0 ? try? TFTPPacket(bytes: Array(buffer[0..<n])) : nil
                }
            }
            send(.readRequest(filename: "undionly.kpxe", mode: "octet", options: []))
            let first = receive()
            #expect(first == .data(block: 1, payload: Array(Self.small[0..<512])))
            // No ACK: the server sends block 1 again after its 1 s timeout.
            #expect(receive() == first)
            send(.ack(block: 1))
            #expect(receive() == .data(block: 2, payload: Array(Self.small[512..<1024])))
            send(.ack(block: 1))  // duplicate: ignored
            send(.ack(block: 2))
            #expect(receive() == .data(block: 3, payload: Array(Self.small[1024..<1536])))
            send(.ack(block: 3))
            #expect(receive() == .data(block: 4, payload: Array(Self.small[1536...])))
            send(.ack(block: 4))
            // Exactly one copy of each block arrived: nothing further is queued.
            var probe = [UInt8](repeating: 0, count: 2048)
            var short = timeval(tv_sec: 0, tv_usec: 300_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &short, socklen_t(MemoryLayout<timeval>.size))
            #expect(recv(fd, &probe, probe.count, 0) < 0)
            try poll { server.transferCounts.completed == 1 }
        }
    }

    func poll(_ condition: () -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("timed out"); return }
            usleep(50_000)
        }
    }
}

import Glibc
import Testing

@testable import KibanIO

/// `UDPService.receiveBufferBytes` sets the socket's receive buffer, past `net.core.rmem_max`
/// when the process may (root).
@Suite("UDP receive buffer")
struct UDPReceiveBufferTests {
    static func receiveBuffer(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length)
        return value
    }

    @Test("A UDP socket gets the receive buffer it asks for (the kernel reports twice the size)")
    func receiveBufferSet() throws {
        let plain = try Socket.udp(.loopback(port: 0), device: nil, broadcast: false)
        defer { close(plain) }
        let wanted = 8 << 20
        let big = try Socket.udp(.loopback(port: 0), device: nil, broadcast: false, receiveBufferBytes: wanted)
        defer { close(big) }
        let (before, after) = (Self.receiveBuffer(plain), Self.receiveBuffer(big))
        if getuid() == 0 {
            #expect(after >= Int32(2 * wanted), "SO_RCVBUFFORCE: \(after) bytes")
        } else {
            #expect(after >= before, "SO_RCVBUF up to rmem_max: \(after) bytes, default \(before)")
        }
    }
}

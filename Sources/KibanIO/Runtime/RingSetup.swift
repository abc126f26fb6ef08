import CUring
import Glibc

/// The sockets and mailbox of one ring, bound on the starting thread so that bind errors are
/// thrown to the caller of `IORuntime.start`.
struct RingSetup: @unchecked Sendable {
    // Sendable by hand: plain descriptors and Sendable values, handed to exactly one ring thread.
    var tcp: [(endpoint: IPv4Endpoint, fd: Int32, service: TCPService)] = []
    var udp: [(endpoint: IPv4Endpoint, fd: Int32, port: UInt16, service: UDPService)] = []
    let mailbox: Mailbox

    /// Opens every service's socket once per ring; port 0 is resolved by the first ring and
    /// reused by the others, so all rings share the port through `SO_REUSEPORT`.
    static func bind(rings: Int, tcp: [TCPService], udp: [UDPService], queuedMax: Int) throws(IOError) -> [RingSetup] {
        guard rings > 0 else { throw IOError(.invalidConfiguration, "rings must be at least 1.") }
        for service in tcp where service.endpoint.port != 0 {
            try Socket.checkFree(service.endpoint, type: SOCK_STREAM)
        }
        for service in udp where service.endpoint.port != 0 && service.device == nil {
            try Socket.checkFree(service.endpoint, type: SOCK_DGRAM)
        }
        var setups: [RingSetup] = []
        do {
            for _ in 0..<rings {
                // Appended first, so that the catch below also closes a half-built ring's sockets.
                setups.append(RingSetup(mailbox: try Mailbox(queuedMax: queuedMax)))
                try setups[setups.count - 1].bind(tcp: tcp, udp: udp, like: setups.count > 1 ? setups[0] : nil)
            }
        } catch {
            setups.forEach { $0.closeAll() }
            throw error
        }
        return setups
    }

    /// Opens this ring's sockets; rings after the first bind the ports the first one got.
    private mutating func bind(tcp: [TCPService], udp: [UDPService], like first: RingSetup?) throws(IOError) {
        for (number, service) in tcp.enumerated() {
            var endpoint = first?.tcp[number].endpoint ?? service.endpoint
            let fd = try Socket.tcpListener(endpoint, backlog: 4096)
            self.tcp.append((endpoint, fd, service))
            endpoint.port = try Socket.localEndpoint(fd).port
            self.tcp[self.tcp.count - 1].endpoint = endpoint
        }
        for (number, service) in udp.enumerated() {
            var endpoint = first?.udp[number].endpoint ?? service.endpoint
            let fd = try Socket.udp(
                endpoint, device: service.device, broadcast: service.broadcast,
                receiveBufferBytes: service.receiveBufferBytes)
            self.udp.append((endpoint, fd, endpoint.port, service))
            endpoint.port = try Socket.localEndpoint(fd).port
            self.udp[self.udp.count - 1].endpoint = endpoint
            self.udp[self.udp.count - 1].port = endpoint.port
        }
    }

    func closeAll() {
        tcp.forEach { closeQuietly($0.fd) }
        udp.forEach { closeQuietly($0.fd) }
    }
}

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
        var setups: [RingSetup] = []
        do {
            for ring in 0..<rings {
                var setup = RingSetup(mailbox: try Mailbox(queuedMax: queuedMax))
                for (number, service) in tcp.enumerated() {
                    var endpoint = service.endpoint
                    if ring > 0 { endpoint = setups[0].tcp[number].endpoint }
                    let fd = try Socket.tcpListener(endpoint, backlog: 4096)
                    endpoint.port = try Socket.localEndpoint(fd).port
                    setup.tcp.append((endpoint, fd, service))
                }
                for (number, service) in udp.enumerated() {
                    var endpoint = service.endpoint
                    if ring > 0 { endpoint = setups[0].udp[number].endpoint }
                    let fd = try Socket.udp(endpoint, device: service.device, broadcast: service.broadcast)
                    endpoint.port = try Socket.localEndpoint(fd).port
                    setup.udp.append((endpoint, fd, endpoint.port, service))
                }
                setups.append(setup)
            }
        } catch {
            setups.forEach { $0.closeAll() }
            throw error
        }
        return setups
    }

    func closeAll() {
        tcp.forEach { closeQuietly($0.fd) }
        udp.forEach { closeQuietly($0.fd) }
    }
}

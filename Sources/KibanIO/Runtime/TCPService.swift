/// A TCP port served by every ring (one `SO_REUSEPORT` listening socket each), with the protocol
/// that runs on its connections. Services build these (`HTTPServer.service(at:)`).
public struct TCPService: Sendable {
    /// Where to listen; port 0 picks a free port, reported by `IORuntime.tcpEndpoints`.
    public var endpoint: IPv4Endpoint
    /// Makes the protocol handler of one new connection on ring `ring`.
    package var makeHandler: @Sendable (_ ring: Int) -> any StreamHandler

    /// A service whose connections are handled by what `makeHandler` returns.
    package init(endpoint: IPv4Endpoint, makeHandler: @escaping @Sendable (_ ring: Int) -> any StreamHandler) {
        self.endpoint = endpoint
        self.makeHandler = makeHandler
    }
}

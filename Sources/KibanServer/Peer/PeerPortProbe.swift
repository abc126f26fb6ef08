import NIOCore
import NIOPosix

/// Whether this member can take its peer port, asked before `kiban join` sends its token: a
/// join that the leader admits and that then fails to bind would leave a learner nobody can
/// reach in the cluster, and spend the token.
enum PeerPortProbe {
    /// Binds `host:port` as the peer listener will (with SO_REUSEADDR) and releases it.
    /// - Throws: ``ServerError`` `config` naming the address when it cannot be bound.
    static func check(host: String, port: Int) async throws(ServerError) {
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try await channel.close()
        } catch {
            throw ServerError(
                .config,
                "cannot take the peer port \(host):\(port) (\(error)); free it or set peer-port in kiban.yaml, then join again (the token is still good)")
        }
    }
}

import NIOCore
import NIOPosix
import NIOSSL

/// An outgoing peer connection for one exchange (join, forwarded change, snapshot transfer):
/// TLS with `context`, then length-prefixed frames both ways.
enum PeerConnection {
    typealias Inbound = NIOAsyncChannelInboundStream<ByteBuffer>
    typealias Outbound = NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Connects to `endpoint`, checks that the server is `expect` (nil only for fetching the
    /// public CA certificate before joining), runs `body`, closes. With a `deadline`, the connection is closed
    /// when the exchange takes longer (a peer that stopped reading would otherwise hold it until
    /// TCP gives up, many minutes later), which fails `body`.
    /// - Throws: ``ServerError`` `unavailable` when `endpoint` cannot be reached or the
    ///   exchange breaks or times out, or what `body` throws.
    static func with<T: Sendable>(
        endpoint: String, context: NIOSSLContext, expect: PeerExpectation?, deadline: TimeAmount? = nil,
        _ body: (Inbound, Outbound) async throws -> T
    ) async throws(ServerError) -> T {
        let (host, port) = try PeerEndpoint.split(endpoint)
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(3))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            expect.map { try $0.clientHandler(context) } ?? NIOSSLClientHandler(context: context, serverHostname: nil))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            let timer = deadline.map { d in
                channel.channel.eventLoop.scheduleTask(in: d) { channel.channel.close(promise: nil) }
            }
            defer { timer?.cancel() }
            return try await channel.executeThenClose { inbound, outbound in try await body(inbound, outbound) }
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.unavailable, "cannot reach \(endpoint): \(error)")
        }
    }
}

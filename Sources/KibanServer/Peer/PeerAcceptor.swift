import NIOCore
import Synchronization

/// Bounds on accepted peer connections, enforced before anyone has authenticated:
/// - at most ``perSourceMax`` connections from one address and ``totalMax`` in all (a member
///   keeps a handful: Raft, snapshots, up to three blob transfers, forwarded changes);
/// - the TLS handshake and the hello must be done within ``helloTimeout``;
/// - a connection that neither reads nor writes for ``idleTimeout`` is closed (Raft sends
///   heartbeats several times a second, so only a dead or stalled peer goes quiet that long).
///
/// What each frame may weigh is the ``FrameDecoder``'s part.
final class PeerAcceptor: Sendable {
    static let perSourceMax = 32
    static let totalMax = 1024
    static let helloTimeout = TimeAmount.seconds(10)
    static let idleTimeout = TimeAmount.seconds(60)

    private let open = Mutex<(total: Int, bySource: [String: Int])>((0, [:]))

    /// Counts `channel` against the caps until it closes; false when a cap is reached (the
    /// caller closes it).
    func admit(_ channel: any Channel) -> Bool {
        let source = channel.remoteAddress?.ipAddress ?? "?"
        let admitted = open.withLock { o in
            guard o.total < Self.totalMax, o.bySource[source, default: 0] < Self.perSourceMax else { return false }
            o.total += 1
            o.bySource[source, default: 0] += 1
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [self] _ in
            open.withLock { o in
                o.total -= 1
                o.bySource[source, default: 1] -= 1
                if o.bySource[source] == 0 { o.bySource[source] = nil }
            }
        }
        return true
    }

    /// Open connections from `source`, for tests.
    func count(from source: String) -> Int { open.withLock { $0.bySource[source, default: 0] } }
}

/// Closes the connection unless its first frame (the hello) arrives within `timeout` of
/// accepting it, then steps out of the way.
final class HelloDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timer?.cancel()
        timer = nil
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

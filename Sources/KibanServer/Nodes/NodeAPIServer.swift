import Foundation
import KibanCA
import KibanMetrics
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One request on the node API, as the router sees it: the client certificate is the one TLS
/// verified against the cluster CA (nil when the agent presented none: enrollment only).
struct NodeAPIRequest: Sendable {
    var method: HTTPMethod
    var path: String
    var body: [UInt8]
    var client: MemberCertificate?
    /// The client's IP address as the TCP connection shows it (boot tokens are bound to it).
    var remoteAddress: String? = nil
}

/// The answer: a status and a JSON body.
struct NodeAPIResponse: Sendable {
    var status: HTTPResponseStatus
    var body: [UInt8]
}

/// The node API (TCP `node-port`, default 10443): HTTPS with this member's certificate, a
/// client certificate optional at the TLS layer (enrollment has none) and required by the router
/// for everything else. Every request is bounded before anything reads it: the request head by
/// NIO's decoder (80 KiB) and ``headersMax``, the body by ``bodyBytesMax``, the time from accept
/// (TLS handshake included) or from a request's head to its end by ``requestTimeout``, idle
/// connections by ``idleTimeout``, open connections by ``connectionsMax``.
final class NodeAPIServer: Sendable {
    /// Headers a request may have.
    static let headersMax = 64
    /// The largest request body (facts of 256 disks and 64 interfaces fit many times over).
    static let bodyBytesMax = 256 * 1024
    /// From accept to the end of the first request, and from each head to its end.
    static let requestTimeout = TimeAmount.seconds(10)
    /// A connection idle this long is closed (agents keep theirs between heartbeats).
    static let idleTimeout = TimeAmount.seconds(60)
    /// Connections served at once; more are closed on accept.
    static let connectionsMax = 16_384

    private let channel: any Channel
    private let task: Task<Void, Never>

    private init(channel: any Channel, task: Task<Void, Never>) {
        self.channel = channel
        self.task = task
    }

    /// The port actually bound.
    var port: Int { channel.localAddress?.port ?? 0 }

    /// Binds `host:port` and answers each request with `handle` until ``close()``.
    /// - Throws: the bind's error.
    static func start(
        host: String, port: Int, tls: @escaping @Sendable () -> NIOSSLContext?,
        handle: @escaping @Sendable (NodeAPIRequest) async -> NodeAPIResponse, logger: Logger
    ) async throws -> NodeAPIServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try sync.addHandler(CloseOnIdle())
                    guard let context = tls() else {
                        channel.close(promise: nil)
                        return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                    }
                    try sync.addHandler(NIOSSLServerHandler(context: context))
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(RequestDeadline(timeout: requestTimeout))
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let task = Task {
            await BoundedAccept.run(
                server, connectionsMax: connectionsMax, serve: { await serve($0, handle) },
                stopped: { error in
                    logger.warning("the node API stopped accepting connections", metadata: ["kiban.nodes.error": "\(error)"])
                })
        }
        return NodeAPIServer(channel: server.channel, task: task)
    }

    /// Stops listening; open connections end with their current request.
    func close() async {
        try? await channel.close().get()
        task.cancel()
    }

    private static func serve(
        _ child: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
        _ handle: @Sendable (NodeAPIRequest) async -> NodeAPIResponse
    ) async {
        try? await child.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            var client: MemberCertificate??
            for try await part in inbound {
                switch part {
                case .head(let h):
                    guard h.headers.count <= headersMax else {
                        try await respond(outbound, h, refusal(.init(statusCode: 431), "at most \(headersMax) headers"), close: true)
                        return
                    }
                    head = h
                    body = []
                case .body(let chunk):
                    guard let h = head else { return }
                    guard body.count + chunk.readableBytes <= bodyBytesMax else {
                        try await respond(outbound, h, refusal(.payloadTooLarge, "a request body is at most \(bodyBytesMax) bytes"), close: true)
                        return
                    }
                    body += chunk.readableBytesView
                case .end:
                    guard let h = head else { return }
                    head = nil
                    if client == nil {
                        client = .some((try? await child.channel.nioSSL_peerCertificate().get())?.flatMap(PeerTLS.identity(of:)))
                    }
                    let path = h.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? h.uri
                    let answer = await handle(
                        NodeAPIRequest(
                            method: h.method, path: path, body: body, client: client ?? nil,
                            remoteAddress: child.channel.remoteAddress?.ipAddress))
                    try await respond(outbound, h, answer, close: !h.isKeepAlive)
                    if !h.isKeepAlive { return }
                }
            }
        }
    }

    static func refusal(_ status: HTTPResponseStatus, _ message: String) -> NodeAPIResponse {
        NodeAPIResponse(status: status, body: AdminRouter.encode(["error": ServerError.Code.badRequest.rawValue, "message": message]))
    }

    private static func respond(
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, _ h: HTTPRequestHead,
        _ answer: NodeAPIResponse, close: Bool
    ) async throws {
        var headers = HTTPHeaders([
            ("Content-Type", "application/json"), ("Content-Length", "\(answer.body.count)"),
            ("Cache-Control", "no-store"),
        ])
        if close { headers.add(name: "Connection", value: "close") }
        try await outbound.write(.head(HTTPResponseHead(version: h.version, status: answer.status, headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: answer.body))))
        try await outbound.write(.end(nil))
    }
}

/// Closes a connection whose first request has not ended ``timeout`` after accept, or whose
/// request has not ended ``timeout`` after its head: a client that trickles bytes holds a
/// connection for at most that long.
final class RequestDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let timeout: TimeAmount
    private var scheduled: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) { arm(context) }

    func handlerRemoved(context: ChannelHandlerContext) { scheduled?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(context)
        case .end:
            scheduled?.cancel()
            scheduled = nil
        case .body: break
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        scheduled?.cancel()
        let channel = context.channel
        scheduled = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }
}

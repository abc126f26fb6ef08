public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The metrics port (default 10081): `GET /metrics` answers the Prometheus text format,
/// `GET /` and `GET /status` the status page. Read-only, no authentication, like sabakan's
/// metrics port: it shows nothing secret. Inputs are bounded before anything else: request
/// heads by NIO's decoder (80 KiB), no request bodies, at most ``connectionsMax`` connections,
/// each closed after ``idleTimeout`` without traffic.
public final class MetricsServer: Sendable {
    /// What the server asks its owner for, at each request.
    public struct Content: Sendable {
        /// The exposition (``MetricsRegistry/exposition()`` after refreshing scrape-time values).
        public var metrics: @Sendable () async -> String
        /// The status page's HTML.
        public var statusPage: @Sendable () async -> String

        /// Both providers.
        public init(metrics: @escaping @Sendable () async -> String, statusPage: @escaping @Sendable () async -> String) {
            self.metrics = metrics
            self.statusPage = statusPage
        }
    }

    /// Connections served at once; more are closed on accept.
    public static let connectionsMax = 64
    /// A connection idle this long is closed.
    static let idleTimeout = TimeAmount.seconds(30)

    private let channel: any Channel
    private let task: Task<Void, Never>

    private init(channel: any Channel, task: Task<Void, Never>) {
        self.channel = channel
        self.task = task
    }

    /// The port actually bound (the one asked for, or the kernel's choice for 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Binds `host:port` and serves `content` until ``close()``.
    /// - Throws: the bind's error (address in use, no such address).
    public static func start(host: String, port: Int, content: Content, logger: Logger) async throws -> MetricsServer {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try sync.addHandler(CloseOnIdle())
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let task = Task {
            await BoundedAccept.run(
                server, connectionsMax: connectionsMax, serve: { await serve($0, content) },
                stopped: { error in
                    logger.warning("the metrics listener stopped accepting connections", metadata: ["kiban.metrics.error": "\(error)"])
                })
        }
        return MetricsServer(channel: server.channel, task: task)
    }

    /// Stops listening; open connections end with their current request.
    public func close() async {
        try? await channel.close().get()
        task.cancel()
    }

    private static func serve(_ child: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, _ content: Content) async {
        try? await child.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let h): head = h
                case .body:
                    // Nothing here takes a body: refuse it rather than read it.
                    guard let h = head else { return }
                    try await respond(outbound, h, .init(status: .badRequest, text: "requests here have no body\n"), close: true)
                    return
                case .end:
                    guard let h = head else { return }
                    head = nil
                    try await respond(outbound, h, await answer(h, content), close: !h.isKeepAlive)
                    if !h.isKeepAlive { return }
                }
            }
        }
    }

    private static func answer(_ h: HTTPRequestHead, _ content: Content) async -> Answer {
        guard h.method == .GET || h.method == .HEAD else {
            return Answer(status: .methodNotAllowed, text: "only GET and HEAD\n")
        }
        switch h.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? h.uri {
        case "/metrics":
            return Answer(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: await content.metrics())
        case "/", "/status":
            return Answer(status: .ok, contentType: "text/html; charset=utf-8", body: await content.statusPage())
        default:
            return Answer(status: .notFound, text: "not found: /metrics (Prometheus) and / (status page)\n")
        }
    }

    private static func respond(
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, _ h: HTTPRequestHead,
        _ a: Answer, close: Bool
    ) async throws {
        let body = Array(a.body.utf8)
        var headers = HTTPHeaders([
            ("Content-Type", a.contentType), ("Content-Length", "\(body.count)"),
            ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
        ])
        if a.contentType.hasPrefix("text/html") {
            // The page runs nothing and loads nothing: a policy says so to the browser as well.
            headers.add(name: "Content-Security-Policy", value: "default-src 'none'; style-src 'unsafe-inline'")
        }
        if close { headers.add(name: "Connection", value: "close") }
        try await outbound.write(.head(HTTPResponseHead(version: h.version, status: a.status, headers: headers)))
        if h.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        try await outbound.write(.end(nil))
    }
}

/// One response.
private struct Answer {
    var status: HTTPResponseStatus
    var contentType = "text/plain; charset=utf-8"
    var body: String

    init(status: HTTPResponseStatus, contentType: String, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    init(status: HTTPResponseStatus, text: String) {
        self.status = status
        self.body = text
    }
}

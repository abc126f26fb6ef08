public import Logging

/// The HTTP/1.1 boot-file server: GET and HEAD, keep-alive, pipelining, single ranges,
/// ETags, on the io_uring runtime. Build a router, make the server, hand
/// `service(at:)` to `IORuntime.start`.
///
/// ```swift
/// let http = HTTPServer(router: router, logger: logger)
/// let runtime = try IORuntime.start(tcp: [http.service(at: .any(port: 10080))], logger: logger)
/// ```
public final class HTTPServer: Sendable {
    /// The routes.
    public let router: HTTPRouter
    /// The request parser and its bounds.
    public let parser: HTTPRequestParser
    /// Files up to this size are read on the ring thread and sent with the header in one send;
    /// larger ones are streamed through registered buffers.
    public let smallFileBytes: Int
    let logger: Logger
    let rings: [RingStats]

    /// A server for `router`. The access log goes to `logger` at info level, at most
    /// `accessLogLinesPerSecond` lines per ring per second (the rest are counted, not logged).
    public init(router: HTTPRouter, parserLimits: HTTPRequestParser.Limits = .init(), smallFileBytes: Int = 16 * 1024,
                accessLogLinesPerSecond: Int = 100, rings: Int = IOConfiguration().rings, logger: Logger) {
        self.router = router
        parser = HTTPRequestParser(limits: parserLimits)
        self.smallFileBytes = smallFileBytes
        self.logger = logger
        self.rings = (0..<max(1, rings)).map { _ in RingStats(accessLogLinesPerSecond: accessLogLinesPerSecond) }
    }

    /// The TCP service to pass to `IORuntime.start`.
    public func service(at endpoint: IPv4Endpoint) -> TCPService {
        TCPService(endpoint: endpoint) { [self] ring in
            HTTPConnection(server: self, stats: rings[ring % rings.count])
        }
    }

    /// The counters summed over all rings, for the metrics endpoint.
    public var counters: HTTPCounters {
        rings.reduce(into: HTTPCounters()) { $0.add($1.snapshot()) }
    }

    /// What a route answers for `head`, before conditionals and ranges.
    func representation(for head: HTTPRequestHead) -> Representation {
        guard head.method == "GET" || head.method == "HEAD" else { return Representation(error: .methodNotAllowed) }
        guard let (route, remainder) = router.route(head) else { return Representation(error: .notFound) }
        switch route {
        case .handler(let handler):
            return Representation(handler(head))
        case .files(let directory):
            guard let file = StaticFile.open(directory: directory, segments: remainder) else {
                return Representation(error: .notFound)
            }
            return Representation(status: .ok, contentType: ContentType.forPath(head.path), body: .file(file),
                                  etag: file.etag)
        }
    }
}

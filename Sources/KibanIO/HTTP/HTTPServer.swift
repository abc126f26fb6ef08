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
    let rings: [RingStats]
    let caches: [FileCache]

    /// A server for `router`. The access log goes to `logger` at info level, at most
    /// `accessLogLinesPerSecond` lines per ring per second (the rest are counted, not logged).
    /// Files up to `smallFileBytes` are cached in memory for `fileCacheMilliseconds` (0: off),
    /// at most `fileCacheEntriesMax` of them.
    public init(
        router: HTTPRouter, parserLimits: HTTPRequestParser.Limits = .init(), smallFileBytes: Int = 16 * 1024,
        fileCacheMilliseconds: Int = 1000, fileCacheEntriesMax: Int = 1024,
        accessLogLinesPerSecond: Int = 100, rings: Int = IOConfiguration().rings, logger: Logger
    ) {
        self.router = router
        parser = HTTPRequestParser(limits: parserLimits)
        self.smallFileBytes = smallFileBytes
        self.rings = (0..<max(1, rings)).map { ring in
            var ringLogger = logger
            ringLogger[metadataKey: "kiban.io.ring"] = "\(ring)"
            return RingStats(accessLogLinesPerSecond: accessLogLinesPerSecond, logger: ringLogger)
        }
        // One cache per ring: each ring thread only touches its own, so the lock is never contended.
        caches = (0..<max(1, rings)).map { _ in
            FileCache(lifetimeMilliseconds: fileCacheMilliseconds, entriesMax: fileCacheEntriesMax)
        }
    }

    /// The TCP service to pass to `IORuntime.start`.
    public func service(at endpoint: IPv4Endpoint) -> TCPService {
        TCPService(endpoint: endpoint) { [self] ring in
            HTTPConnection(server: self, stats: rings[ring % rings.count], cache: caches[ring % caches.count])
        }
    }

    /// The counters summed over all rings, for the metrics endpoint.
    public var counters: HTTPCounters {
        rings.reduce(into: HTTPCounters()) { $0.add($1.snapshot()) }
    }

    /// What a route answers for `head`, before conditionals and ranges.
    func representation(for head: HTTPRequestHead, cache: FileCache) -> Representation {
        guard head.method == "GET" || head.method == "HEAD" else { return Representation(error: .methodNotAllowed) }
        guard let (route, remainder) = router.route(head) else { return Representation(error: .notFound) }
        switch route {
        case .handler(let handler):
            return Representation(handler(head))
        case .files(let directory):
            let now = monotonicNanoseconds()
            if let entry = cache.lookup(head.path, now: now) { return Representation(cached: entry) }
            guard let file = StaticFile.open(directory: directory, segments: remainder) else {
                return Representation(error: .notFound)
            }
            let contentType = ContentType.forPath(head.path)
            if cache.enabled, file.size <= smallFileBytes {
                var body: [UInt8] = []
                defer { closeQuietly(file.fd) }
                guard file.read(0..<file.size, appendingTo: &body) else { return Representation(error: .internalServerError) }
                return Representation(
                    cached: cache.insert(
                        head.path, body: body, etag: file.etag,
                        contentType: contentType, now: now))
            }
            return Representation(status: .ok, contentType: contentType, body: .file(file), etag: file.etag)
        }
    }
}

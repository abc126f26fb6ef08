/// A response from a dynamic route: small bytes rendered from memory (an iPXE script).
/// Conditional requests and ranges are handled for it like for files.
public struct HTTPResponse: Sendable {
    /// The status; `200` unless the route says otherwise.
    public var status: HTTPStatus
    /// The `Content-Type`.
    public var contentType: String
    /// The body.
    public var body: [UInt8]
    /// A strong entity tag (with quotes, `"v42"`), enabling `304` for `If-None-Match`.
    public var etag: String?
    /// Extra header fields (`Cache-Control`, …).
    public var headers: [HTTPHeaderField]
    /// When set, the body is this file's content, streamed like a file route's (``file(_:contentType:)``).
    public var filePath: String?
    /// When set, ``filePath`` is a name resolved below this directory and never outside it
    /// (``file(named:beneath:contentType:)``).
    public var fileDirectory: String?

    /// A response with `body`.
    public init(
        status: HTTPStatus = .ok, contentType: String = ContentType.octetStream, body: [UInt8],
        etag: String? = nil, headers: [HTTPHeaderField] = []
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.etag = etag
        self.headers = headers
    }

    /// A UTF-8 text response.
    public static func text(
        _ text: String, status: HTTPStatus = .ok, contentType: String = "text/plain; charset=utf-8",
        etag: String? = nil
    ) -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: Array(text.utf8), etag: etag)
    }

    /// The content of the regular file at `path` (`404` when it is missing or not a regular
    /// file), sent without a copy through user space like a file route's, with its ETag,
    /// ranges and conditional requests. For routes that pick a file from in-memory data (a
    /// content-addressed blob by image id).
    public static func file(
        _ path: String, contentType: String = ContentType.octetStream,
        headers: [HTTPHeaderField] = []
    ) -> HTTPResponse {
        var response = HTTPResponse(contentType: contentType, body: [], headers: headers)
        response.filePath = path
        return response
    }

    /// The regular file `name` in `directory` (`404` when missing, not a regular file, or
    /// outside `directory`): opened below a descriptor of the directory with `openat2` and
    /// `RESOLVE_BENEATH`, following no symbolic link, so a name taken from data (a blob hash in a
    /// store record) cannot reach another file. Sent like ``file(_:contentType:headers:)``.
    public static func file(
        named name: String, beneath directory: String, contentType: String = ContentType.octetStream,
        headers: [HTTPHeaderField] = []
    ) -> HTTPResponse {
        var response = file(name, contentType: contentType, headers: headers)
        response.fileDirectory = directory
        return response
    }

    /// The plain-text body of an error status (`404 Not Found\n`).
    public static func error(_ status: HTTPStatus) -> HTTPResponse {
        .text("\(status.code) \(status.reason)\n", status: status)
    }
}

/// The routes of the HTTP server: exact paths and path prefixes answered by closures from
/// in-memory data, and path prefixes served from a directory of files. Built once, before
/// the server starts; the longest matching prefix wins, an exact path before any prefix.
///
/// ```swift
/// var router = HTTPRouter()
/// router.files(at: "/blobs", directory: "/var/lib/kiban/blobs/sha256")
/// router.get(prefix: "/ipxe") { request in .text(scripts.render(serial: request.pathSegments.last)) }
/// ```
public struct HTTPRouter: Sendable {
    /// Answers a request from memory on the ring thread; must not block.
    public typealias Handler = @Sendable (HTTPRequestHead) -> HTTPResponse

    enum Route: Sendable {
        case handler(Handler)
        case files(directory: String)
    }

    var exact: [String: Handler] = [:]
    var prefixes: [(segments: [String], route: Route)] = []

    /// An empty router (every path is `404`).
    public init() {}

    /// Answers `path` exactly with `handler`.
    public mutating func get(_ path: String, _ handler: @escaping Handler) {
        exact[Self.normalized(path)] = handler
    }

    /// Answers every path under `prefix` with `handler` (which sees the full path).
    public mutating func get(prefix: String, _ handler: @escaping Handler) {
        addPrefix(prefix, .handler(handler))
    }

    /// Serves the files under `directory` at `prefix` (`/blobs/x` is `directory/x`). Paths are
    /// decoded and normalised first, and `..` is refused, so no request reaches outside it.
    public mutating func files(at prefix: String, directory: String) {
        addPrefix(prefix, .files(directory: directory))
    }

    private mutating func addPrefix(_ prefix: String, _ route: Route) {
        let segments = prefix.split(separator: "/").map(String.init)
        prefixes.append((segments, route))
        prefixes.sort { $0.segments.count > $1.segments.count }
    }

    private static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").joined(separator: "/")
    }

    /// The route for a request and the path segments below its prefix.
    func route(_ head: HTTPRequestHead) -> (Route, remainder: ArraySlice<String>)? {
        if let handler = exact[head.path] { return (.handler(handler), []) }
        for (segments, route) in prefixes where head.pathSegments.starts(with: segments) {
            return (route, head.pathSegments.dropFirst(segments.count))
        }
        return nil
    }
}

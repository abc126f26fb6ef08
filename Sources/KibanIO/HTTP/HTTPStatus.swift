/// The HTTP status codes the file server sends, with their reason phrases.
public struct HTTPStatus: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The numeric code (`404`).
    public let code: Int
    /// The reason phrase (`Not Found`).
    public let reason: String

    /// A status; prefer the named constants.
    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// 200
    public static let ok = HTTPStatus(200, "OK")
    /// 206: a `Range` request answered with one part.
    public static let partialContent = HTTPStatus(206, "Partial Content")
    /// 302: the resource is served elsewhere for now (a blob another boot server has).
    public static let found = HTTPStatus(302, "Found")
    /// 304: `If-None-Match` matched the ETag.
    public static let notModified = HTTPStatus(304, "Not Modified")
    /// 400: a malformed request, or a path that would leave the served tree.
    public static let badRequest = HTTPStatus(400, "Bad Request")
    /// 404
    public static let notFound = HTTPStatus(404, "Not Found")
    /// 405: a method other than GET and HEAD.
    public static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    /// 408: the request head did not arrive within the header timeout.
    public static let requestTimeout = HTTPStatus(408, "Request Timeout")
    /// 413: a request with a body (the server takes none).
    public static let contentTooLarge = HTTPStatus(413, "Content Too Large")
    /// 414: a request line longer than `requestLineBytesMax`.
    public static let uriTooLong = HTTPStatus(414, "URI Too Long")
    /// 416: a `Range` that starts past the end of the file.
    public static let rangeNotSatisfiable = HTTPStatus(416, "Range Not Satisfiable")
    /// 431: a request head longer than `headBytesMax` or with too many fields.
    public static let headerFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    /// 500
    public static let internalServerError = HTTPStatus(500, "Internal Server Error")
    /// 503: too many connections.
    public static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    /// 505: an HTTP version other than 1.0 and 1.1.
    public static let versionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")

    /// `404 Not Found`.
    public var description: String { "\(code) \(reason)" }

    /// Orders by code.
    public static func < (lhs: HTTPStatus, rhs: HTTPStatus) -> Bool { lhs.code < rhs.code }
}

/// A parsed HTTP/1.x request head: what the router and the response logic need.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method token as sent (`GET`, `HEAD`, …); methods are case-sensitive.
    public var method: String
    /// The request target as sent, before decoding.
    public var target: String
    /// The decoded, normalised path: starts with `/`, no empty, `.` or `..` segments.
    public var path: String
    /// The decoded path segments (`/a/b` is `["a", "b"]`).
    public var pathSegments: [String]
    /// The query string without `?`, undecoded; empty when there is none.
    public var query: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    /// The header fields in order, names lowercased.
    public var headers: [HTTPHeaderField]

    /// Whether the connection stays open after the response (HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`).
    public var keepAlive: Bool {
        let tokens = values("connection").flatMap { $0.lowercased().split(separator: ",") }
            .map { $0.trimmingWhitespace() }
        if tokens.contains("close") { return false }
        return minorVersion >= 1 || tokens.contains("keep-alive")
    }

    /// True for `HEAD`: the response has headers only.
    public var isHead: Bool { method == "HEAD" }

    /// The first value of the field `name` (lowercase), if present.
    public func value(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// Every value of the field `name` (lowercase), in order.
    public func values(_ name: String) -> [String] {
        headers.filter { $0.name == name }.map(\.value)
    }
}

/// One header field; the name is lowercased, the value has surrounding whitespace removed.
public struct HTTPHeaderField: Sendable, Equatable {
    /// The lowercased field name.
    public var name: String
    /// The field value.
    public var value: String

    /// A field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}

import Foundation

/// One endpoint of the admin API: its method, its path template and what it does. The catalog
/// (``AdminRoute/all``) is the contract: the daemon's router serves each of them, docs/admin-api.md
/// describes each of them and the OpenAPI document (docs/admin-api.openapi.json) is generated
/// from it; tests fail when the three disagree.
public struct AdminRoute: Sendable, Hashable, Comparable {
    /// `GET`, `PUT`, `POST` or `DELETE`.
    public var method: String
    /// The path with `{name}` for each parameter segment: `/v1/members/{name}`.
    public var template: String
    /// One sentence for the OpenAPI document.
    public var summary: String
    /// How the body and the answer travel.
    public var kind: Kind

    /// How an endpoint's body and answer travel.
    public enum Kind: String, Sendable, Hashable {
        /// A JSON (or YAML, where docs/admin-api.md says so) body and a JSON answer.
        case json
        /// The answer streams: NDJSON events or a backup file.
        case stream
        /// The body is a file's bytes, sized in the query; the answer is JSON.
        case upload
    }

    public init(_ method: String, _ template: String, _ summary: String, kind: Kind = .json) {
        self.method = method
        self.template = template
        self.summary = summary
        self.kind = kind
    }

    public static func < (a: AdminRoute, b: AdminRoute) -> Bool {
        (a.template, a.method) < (b.template, b.method)
    }

    /// The names of the template's parameters, in order.
    public var parameters: [String] {
        template.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    /// The path with each parameter replaced, in order, by `values`, percent-encoded as one segment.
    public func path(_ values: String...) -> String { path(values) }

    /// ``path(_:)-(String...)`` with the values in an array.
    public func path(_ values: [String]) -> String {
        var remaining = values[...]
        return template.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix("{"), let value = remaining.popFirst() else { return String(segment) }
            return Self.escape(value)
        }.joined(separator: "/")
    }

    /// A path segment with everything but unreserved characters percent-encoded.
    public static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? segment
    }
}

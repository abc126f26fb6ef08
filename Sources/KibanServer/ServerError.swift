/// A daemon failure: what went wrong and what the operator should do next. Never carries a
/// secret (the CA key, a token's secret).
public struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which failure; the admin API maps each to one HTTP status (ServerError+API.swift).
    public enum Code: String, Sendable, Hashable, Codable {
        /// The request is malformed or does not apply.
        case badRequest
        /// The thing asked for does not exist.
        case notFound
        /// The cluster state forbids it (already initialized, not initialized, last voter).
        case conflict
        /// A join token or peer was refused.
        case forbidden
        /// The cluster cannot answer now (no leader, peer unreachable): retry.
        case unavailable
        /// Configuration or files on this host are wrong.
        case config
        /// The blob quota or the free-space floor refuses the bytes (HTTP 507).
        case insufficientStorage
        /// A bug or an unexpected system failure.
        case `internal`
    }

    /// Which failure.
    public let code: Code
    /// What happened and what to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A certificate-authority failure: what went wrong and what to do.
public struct CAError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which failure.
    public enum Code: String, Sendable, Hashable {
        /// Stored or received PEM could not be parsed.
        case invalidPEM
        /// A key does not belong to its certificate.
        case keyMismatch
        /// A certificate signing request is malformed or its signature is wrong.
        case invalidRequest
        /// A join token is malformed.
        case invalidToken
        /// A join token is past its expiry.
        case expiredToken
        /// A join token's secret does not match.
        case wrongSecret
        /// A key-encryption key or sealed key is missing, damaged or not the right one.
        case invalidKey
        /// A certificate does not name what it must (a member identity, this cluster).
        case invalidIdentity
        /// No issuer, role or certificate has that name or serial.
        case notFound
        /// The name is taken, or the store changed under a write too many times.
        case conflict
        /// A document or argument is malformed (a role, a name, a TTL); ``problems`` lists each.
        case invalidInput
        /// A role refuses the request; the message and ``problems`` name each rule.
        case forbidden
        /// The store holds PKI data this version cannot read.
        case unsupported
        /// Building a certificate failed.
        case `internal`
    }

    /// Which failure.
    public let code: Code
    /// What happened and what to do. Never contains a secret.
    public let message: String
    /// Every individual problem, when there are several (a role document, a refused request).
    public let problems: [String]

    init(_ code: Code, _ message: String, problems: [String] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    /// The message, followed by one line per problem.
    public var description: String { ([message] + problems.map { "  - \($0)" }).joined(separator: "\n") }
}

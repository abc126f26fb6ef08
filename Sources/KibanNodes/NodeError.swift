/// A node-subsystem failure: what went wrong and what to do. The one error type of KibanNodes;
/// the store's own failures (no leader, stopped) arrive as `StoreError` and are passed on as is.
public struct NodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which failure.
    public enum Code: String, Sendable, Hashable {
        /// A document from an agent or an operator is malformed; ``problems`` lists each reason.
        case invalidInput
        /// No machine, check set or key has that name.
        case notFound
        /// The machine may not do this now (retired, not in the inventory, already enrolled).
        case refused
        /// The credentials do not allow it: a node token that is wrong, used, expired or for
        /// another machine; a client certificate that is not the machine's current node
        /// certificate.
        case forbidden
    }

    /// Which failure.
    public let code: Code
    /// What happened and what to do, for the operator.
    public let message: String
    /// Every individual problem, when there are several.
    public let problems: [String]

    /// Creates an error with its code, message and the individual problems.
    public init(_ code: Code, _ message: String, problems: [String] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    /// The message, then each problem on its own line.
    public var description: String {
        ([message] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}

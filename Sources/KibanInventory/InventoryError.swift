/// An inventory failure: what went wrong and what to do. The one error type of KibanInventory;
/// the store's own failures (no leader, stopped) arrive as `StoreError` and are passed on as is.
public struct InventoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which failure.
    public enum Code: String, Sendable, Hashable {
        /// The requested state is not reachable from the current one.
        case illegalTransition
        /// A machine in an import (or an update) is invalid; ``problems`` lists each.
        case invalidMachine
        /// A serial is registered already.
        case duplicateSerial
        /// A rack has no free index.
        case rackFull
        /// The IPAM configuration is unusable; ``problems`` lists each reason.
        case invalidIPAM
        /// The IPAM configuration cannot change because machines exist.
        case ipamLocked
        /// No IPAM configuration is set yet.
        case noIPAM
        /// No machine has that serial.
        case notFound
        /// Only retired machines can be removed.
        case notRetired
        /// An input document could not be read (bad JSON or YAML, unknown format).
        case invalidInput
        /// One call would write more than a store transaction may carry.
        case tooLarge
        /// The store holds inventory data this version cannot read (written by a newer kiban).
        case unsupportedSchema
        /// Concurrent writers kept winning the compare-on-revision race.
        case conflict
    }

    /// Which failure.
    public let code: Code
    /// What happened and what to do, for the operator.
    public let message: String
    /// Every individual problem, when there are several (an import reports all at once).
    public let problems: [String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, problems: [String] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    /// The message, followed by one line per problem.
    public var description: String {
        ([message] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}

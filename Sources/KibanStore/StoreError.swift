/// A store failure a caller must handle: the one error type of KibanStore.
///
/// Expected outcomes (a failed compare in a transaction, a missing key) are values, not errors.
public struct StoreError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Which failure.
    public enum Code: String, Sendable, Hashable, Codable {
        /// SQLite failed (disk full, I/O error, corrupt file); the message has SQLite's words.
        case database
        /// A file does not hold what Kiban wrote (bad encoding, newer schema).
        case corrupt
        /// A log entry or request could not be decoded.
        case badRequest
        /// The revision asked for was compacted away; re-list at the current revision.
        case compacted
        /// A watch fell behind its buffer's bound and was cancelled; re-list and watch again.
        case watchCancelled
        /// The revision asked for is in the future.
        case futureRevision
        /// No leader answered in time; retry after an election.
        case unavailable
        /// No leader is known right now (an election is under way); retry in a moment.
        case noLeader
        /// The lease does not exist (expired or revoked).
        case leaseNotFound
        /// The store was shut down.
        case stopped
        /// A compare-and-swap loop kept losing races.
        case conflict
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

    /// `code: message`, for logs.
    public var description: String { "\(code.rawValue): \(message)" }
}

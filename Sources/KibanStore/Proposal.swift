import Foundation

/// The payload of a normal log entry: a ``Command`` with the identity of the request.
///
/// **Encoding (version 1):** one byte `0x01`, then the JSON of this struct (Foundation's
/// `JSONEncoder`; byte arrays as arrays of numbers). A decoder refuses any other first byte, so a
/// later version can change the format while old entries stay readable. Documented in
/// docs/schema.md.
///
/// Exactly-once (Raft thesis §6.3): a client retries a proposal with the same `client` and
/// `sequence`; the state machine keeps each request's result until the client acknowledges it
/// by sending `acknowledgedBelow` greater than its sequence, and answers a repeat with the
/// stored result without applying it again.
struct Proposal: Sendable, Hashable, Codable {
    /// The encoding version written by this code.
    static let version: UInt8 = 1
    /// Upper bound on an entry payload: a decoder refuses anything larger.
    static let bytesMax = 8 << 20

    /// The proposing client (a store instance picks a random one at start).
    var client: UInt64
    /// The request's number within the client; retries reuse it.
    var sequence: UInt64
    /// Every sequence below this one has been answered: their results may be forgotten.
    var acknowledgedBelow: UInt64
    /// What to do.
    var command: Command

    /// The entry payload.
    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        // Encoding plain Codable values of byte arrays and integers cannot fail.
        let json = (try? encoder.encode(self)) ?? Data()
        precondition(!json.isEmpty, "a proposal failed to encode")
        return [Self.version] + Array(json)
    }

    /// Decodes an entry payload.
    /// - Throws: ``StoreError`` `badRequest` for an unknown version or malformed bytes.
    init(encoded bytes: [UInt8]) throws(StoreError) {
        guard let v = bytes.first else { throw StoreError(.badRequest, "empty proposal") }
        guard v == Self.version else {
            throw StoreError(.badRequest, "proposal encoding version \(v) is unknown; upgrade kiban on this member")
        }
        guard bytes.count <= Self.bytesMax else { throw StoreError(.badRequest, "proposal of \(bytes.count) bytes is too large") }
        do {
            self = try JSONDecoder().decode(Proposal.self, from: Data(bytes[1...]))
        } catch {
            throw StoreError(.badRequest, "malformed proposal: \(error)")
        }
    }

    init(client: UInt64, sequence: UInt64, acknowledgedBelow: UInt64, command: Command) {
        self.client = client
        self.sequence = sequence
        self.acknowledgedBelow = acknowledgedBelow
        self.command = command
    }
}

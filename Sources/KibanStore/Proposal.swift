/// The payload of a normal log entry: a ``Command`` with the identity of the request.
///
/// **Encoding (version 1):** one byte `0x01`, then the client, sequence and acknowledged-below
/// as big-endian 64-bit integers, then the command in the binary form of `Request+Binary.swift`
/// (tag bytes, 32-bit counts, big-endian integers; documented in docs/schema.md). A decoder
/// refuses any other first byte, so a later version can change the format while old entries
/// stay readable, and refuses truncated input, unknown tags and trailing bytes.
///
/// Exactly-once (Raft thesis §6.3): a client retries a proposal with the same `client` and
/// `sequence`; the state machine keeps each request's result until the client acknowledges it
/// by sending `acknowledgedBelow` greater than its sequence, and answers a repeat with the
/// stored result without applying it again.
struct Proposal: Sendable, Hashable {
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
        var w = ByteWriter(capacity: 128)
        w.u8(Self.version)
        w.u64(client)
        w.u64(sequence)
        w.u64(acknowledgedBelow)
        command.write(to: &w)
        return w.bytes
    }

    /// Decodes an entry payload.
    /// - Throws: ``StoreError`` `badRequest` for an unknown version or malformed bytes.
    init(encoded bytes: [UInt8]) throws(StoreError) {
        guard let v = bytes.first else { throw StoreError(.badRequest, "empty proposal") }
        guard v == Self.version else {
            throw StoreError(.badRequest, "proposal encoding version \(v) is unknown; upgrade kiban on this member")
        }
        guard bytes.count <= Self.bytesMax else { throw StoreError(.badRequest, "proposal of \(bytes.count) bytes is too large") }
        var r = ByteReader(bytes, from: 1)
        client = try r.u64()
        sequence = try r.u64()
        acknowledgedBelow = try r.u64()
        command = try Command(from: &r)
        guard r.isAtEnd else { throw StoreError(.badRequest, "malformed proposal: trailing bytes") }
    }

    init(client: UInt64, sequence: UInt64, acknowledgedBelow: UInt64, command: Command) {
        self.client = client
        self.sequence = sequence
        self.acknowledgedBelow = acknowledgedBelow
        self.command = command
    }
}

import KibanTestSupport
import Testing

@testable import KibanStore

@Suite("Proposal encoding")
struct ProposalFuzzTests {
    static let sample = Proposal(
        client: 42, sequence: 9, acknowledgedBelow: 3,
        command: .txn(
            Txn(
                compares: [Compare([1, 2], .greater, .modRevision(5)), Compare([3], .equal, .value([0, 255]))],
                success: [.put(key: [1], value: [2, 3], lease: 4), .delete(.prefix([9]))],
                failure: [.range(KeyRange(start: [0], end: [0]), limit: 10)])))

    @Test(
        "A proposal survives encoding and decoding unchanged",
        arguments: [
            sample,
            Proposal(client: 1, sequence: 1, acknowledgedBelow: 0, command: .leaseGrant(id: 0, ttlSeconds: 5)),
            Proposal(client: 1, sequence: 2, acknowledgedBelow: 1, command: .leaseRevoke(id: 8, expired: true)),
            Proposal(client: .max, sequence: .max, acknowledgedBelow: .max, command: .compact(revision: .max)),
        ])
    func roundTrip(p: Proposal) throws {
        #expect(try Proposal(encoded: p.encoded()) == p)
    }

    @Test(
        "A stored result survives encoding and decoding unchanged",
        arguments: [
            CommandResult.txn(
                TxnResult(
                    succeeded: true, revision: 9,
                    results: [
                        .put(previous: KeyValue(key: [1], value: [2], createRevision: 3, modRevision: 4, version: 5, lease: 6)),
                        .put(previous: nil), .delete(deleted: []), .range(kvs: [], more: true),
                    ])),
            .leaseGranted(id: 1, ttlSeconds: 2), .leaseRevoked(revision: 3), .compacted(revision: 4),
            .failed(StoreError(.leaseNotFound, "lease 7 does not exist")),
        ])
    func resultRoundTrip(result: CommandResult) throws {
        #expect(try CommandResult(encoded: result.encoded) == result)
    }

    @Test("An unknown encoding version is refused with a message naming it")
    func unknownVersion() {
        var bytes = Self.sample.encoded()
        bytes[0] = 2
        #expect { try Proposal(encoded: bytes) } throws: { ($0 as? StoreError)?.message.contains("version 2") == true }
    }

    @Test("The decoder never crashes on random or mutated input (bounded fuzz, seeded; KIBAN_FUZZ_SEED replays)")
    func fuzz() {
        var rng = SeededRandom.forTest("ProposalFuzzTests")
        let valid = Self.sample.encoded()
        for round in 0..<5_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if !bytes.isEmpty && round % 4 == 0 { bytes[0] = 1 }
            } else {
                bytes = valid
                for _ in 0..<(1 + rng.next() % 4) {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 3 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count))) }
            }
            // Either outcome is fine; a trap is not.
            _ = try? Proposal(encoded: bytes)
            _ = try? CommandResult(encoded: Array(bytes.dropFirst()))
        }
    }
}

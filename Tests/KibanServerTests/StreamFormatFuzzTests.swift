import Foundation
import KibanRaft
import KibanTestSupport
import Testing

@testable import KibanServer

/// The parsers of outside input added with backups, watches and transactions: the snapshot
/// transfer header (from peers) and the transaction JSON (from admin clients).
@Suite("Snapshot header and transaction parsers")
struct StreamFormatFuzzTests {
    static func snapshotMessage(bytes: Int) -> Message {
        var m = Message(kind: .snapshot, from: 7, to: 9, term: 4)
        let conf = ConfState(voters: [7, 9, 11], learners: [13])
        m.snapshot = Snapshot(
            metadata: SnapshotMetadata(index: 120, term: 3, confState: conf),
            data: (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        return m
    }

    @Test("A snapshot header round-trips, and counts chunks of at most 1 MiB", arguments: [0, 1, 1 << 20, (1 << 20) + 1, 3_500_000])
    func header(bytes: Int) throws {
        let m = Self.snapshotMessage(bytes: bytes)
        let header = SnapshotHeader(message: m)
        #expect(Int(header.chunkCount) == (bytes + (1 << 20) - 1) / (1 << 20))
        let decoded = try SnapshotHeader(decoding: header.encoded())
        #expect(decoded == header)
        #expect(decoded.message.snapshot?.metadata == m.snapshot?.metadata && decoded.message.snapshot?.data == [])
    }

    @Test("Every truncation of a snapshot header is refused")
    func truncated() {
        let bytes = SnapshotHeader(message: Self.snapshotMessage(bytes: 5000)).encoded()
        for n in 0..<bytes.count {
            #expect(throws: WireError.self) { _ = try SnapshotHeader(decoding: Array(bytes.prefix(n))) }
        }
    }

    @Test("Mutated snapshot headers never trap and never claim impossible chunk counts (bounded fuzz)")
    func headerFuzz() {
        var rng = SeededRandom.forTest("StreamFormatFuzzTests")
        let seeds = [0, 10, 3_000_000].map { SnapshotHeader(message: Self.snapshotMessage(bytes: $0)).encoded() }
        let start = ContinuousClock.now
        var runs = 0
        while runs < 100_000 && ContinuousClock.now - start < .seconds(5) {
            var b = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] = Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : 0xFF
            }
            if let h = try? SnapshotHeader(decoding: b) {
                #expect(h.totalBytes <= SnapshotHeader.totalBytesMax && UInt64(h.chunkCount) <= h.totalBytes)
            }
            runs += 1
        }
        #expect(runs > 1_000)
    }

    static let validTransactions = [
        #"{"compare": [{"key": "leader", "value": "boot-1"}, {"key": "epoch", "op": "<", "modRevision": 40}], "success": [{"put": {"key": "leader", "value": "boot-2"}}, {"delete": {"key": "locks/", "prefix": true}}], "failure": [{"get": {"key": "leader"}}]}"#,
        #"{"compare": [{"key": "lock", "version": 0, "op": "=="}], "success": [{"put": {"key": "lock", "value": "me"}}]}"#,
        #"{"failure": [{"get": {"key": "", "prefix": true}}], "compare": [{"key": "x", "createRevision": 3, "op": "!="}]}"#,
    ]

    @Test("Valid transactions become store transactions with their compares and both branches")
    func txn() throws {
        let first = try JSONDecoder().decode(TxnBody.self, from: Data(Self.validTransactions[0].utf8)).txn()
        #expect(first.compares.count == 2 && first.success.count == 2 && first.failure.count == 1)
        #expect(first.compares[1].relation == .less && first.compares[1].target == .modRevision(40))
        let third = try JSONDecoder().decode(TxnBody.self, from: Data(Self.validTransactions[2].utf8)).txn()
        #expect(third.compares[0].relation == .notEqual && third.success.isEmpty)
    }

    @Test("Mutated transaction JSON never traps: it is a transaction or a clear error (bounded fuzz)")
    func txnFuzz() {
        var rng = SeededRandom.forTest("StreamFormatFuzzTests")
        let seeds = Self.validTransactions.map { Array($0.utf8) }
        let alphabet = Array(#"{}[]",:0123456789-aeklopsuvy"#.utf8)
        let start = ContinuousClock.now
        var (runs, parsed) = (0, 0)
        while runs < 50_000 && ContinuousClock.now - start < .seconds(5) {
            var b = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: b[i] = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                case 1: b.remove(at: i)
                default: b.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)], at: i)
                }
                if b.isEmpty { b = [0x7B] }
            }
            if let body = try? JSONDecoder().decode(TxnBody.self, from: Data(b)) {
                do throws(ServerError) {
                    let t = try body.txn()
                    #expect(t.compares.count <= TxnBody.itemsMax)
                    parsed += 1
                } catch {
                    #expect(error.code == .badRequest && !error.message.isEmpty)
                }
            }
            runs += 1
        }
        #expect(runs > 1_000 && parsed > 0)
    }
}

import Foundation
import KibanInventory
import KibanTestSupport
import Testing

/// Every decoder the admin API runs on outside bytes, fed mutated documents for a bounded time:
/// none may trap, and each failure is an `invalidInput` error, never another kind.
@Suite("Inventory parsers under mutated input")
struct FormatFuzzTests {
    static let machinesJSON = Array(
        """
        [{"serial": "1234abcd", "labels": {"product": "R630"}, "rack": 1, "role": "boot", "bmc": {"type": "iDRAC-9"}},
         {"serial": "2345bcde", "rack": 1, "role": "cs", "bmc": {"type": "IPMI-2.0"}, "retire-date": "2030-01-01T00:00:00Z"}]
        """.utf8)
    static let machinesYAML = Array(
        """
        - serial: 1234abcd
          labels: {product: R630}
          rack: 1
          role: boot
          bmc: {type: iDRAC-9}
        """.utf8)
    static let alphabet = Array("{}[]:,\"'-= \n\t0123456789abz./TZ\u{0}".utf8) + [0xC3, 0xFF]

    /// Up to four bytes replaced, inserted or deleted.
    static func mutate(_ seed: [UInt8], _ rng: inout some RandomNumberGenerator) -> [UInt8] {
        var b = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let i = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &rng)
            let byte = Bool.random(using: &rng) ? alphabet.randomElement(using: &rng) ?? 0 : UInt8.random(in: 0...255, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0 where !b.isEmpty: b[i] = byte
            case 1: b.insert(byte, at: i)
            default: if !b.isEmpty { b.remove(at: i) }
            }
        }
        return b
    }

    /// Runs `body` on mutations of `seeds` for at most 5 s and 20,000 runs; returns the run count.
    static func fuzz(_ seeds: [[UInt8]], _ body: ([UInt8]) -> Void) -> Int {
        var rng = SeededRandom.forTest("FormatFuzzTests")
        let start = ContinuousClock.now
        var runs = 0
        while runs < 20_000 && ContinuousClock.now - start < .seconds(5) {
            body(mutate(seeds[runs % seeds.count], &rng))
            runs += 1
        }
        return runs
    }

    /// `body` either succeeds or throws an `invalidInput` ``InventoryError``.
    static func readOrRefuse(_ body: () throws -> Void) {
        do {
            try body()
        } catch let error as InventoryError {
            #expect(error.code == .invalidInput, "\(error)")
        } catch {
            Issue.record("not an InventoryError: \(error)")
        }
    }

    @Test("Mutated machine lists and IPAM files are read or refused as invalid input")
    func documents() {
        let runs = Self.fuzz([Self.machinesJSON, Self.machinesYAML, Array(sabakanIPAM.utf8)]) { bytes in
            Self.readOrRefuse { _ = try InventoryFormat.registrations(from: bytes) }
            Self.readOrRefuse { _ = try InventoryFormat.ipam(from: bytes) }
        }
        #expect(runs > 500)
        #expect(throws: Never.self) { try InventoryFormat.registrations(from: Self.machinesJSON) }
    }

    @Test("Mutated query parameters and times are read or refused as invalid input")
    func queriesAndTimes() {
        let seeds = [
            "rack=1,2", "labels=product=R630,zone=a", "without-state=retired", "ipv4=10.69.0.197",
            "20261126", "2026-11-26T19:40:00Z", "2026-11-26T19:40:00.5+09:00", "90d", "36h", "600s",
        ].map { Array($0.utf8) }
        let runs = Self.fuzz(seeds) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let (name, value) = text.firstIndex(of: "=").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) } ?? (text, "")
            Self.readOrRefuse { _ = try MachineQuery(parameters: [(name: name, value: value)]) }
            _ = InventoryFormat.time(text)
            if let seconds = InventoryFormat.seconds(text) {
                #expect(seconds > 0 && InventoryFormat.seconds(InventoryFormat.duration(seconds)) == seconds)
            }
        }
        #expect(runs > 500)
        #expect(InventoryFormat.time("20261126") == Date(timeIntervalSince1970: 1_795_651_200))
        #expect(InventoryFormat.time("2026-11-26T00:00:00Z") == Date(timeIntervalSince1970: 1_795_651_200))
        #expect(InventoryFormat.time("2026-13-01") == nil)
        #expect(InventoryFormat.seconds("60d") == 5_184_000 && InventoryFormat.duration(5_184_000) == "60d")
        #expect(InventoryFormat.seconds("90") == nil && InventoryFormat.seconds("-1h") == nil && InventoryFormat.seconds("0s") == nil)
        #expect(InventoryFormat.duration(90) == "90s" && InventoryFormat.duration(5_400) == "90m")
    }
}

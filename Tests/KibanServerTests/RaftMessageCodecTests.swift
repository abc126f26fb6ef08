import KibanRaft
import KibanRaftSimulation
import KibanServer
import KibanTestSupport
import Testing

@Suite("Peer wire format")
struct RaftMessageCodecTests {
    /// Every message of a few simulated runs: elections, appends, snapshots, reads, transfers.
    static let traffic: [Message] = {
        var all: [Message] = []
        for seed: UInt64 in [1, 2, 5, 9] {
            var sim = Simulation(options: SimulationOptions(seed: seed))
            let log = MessageLog()
            sim.sentMessages = log
            _ = sim.run()
            all += log.messages
        }
        return all
    }()

    @Test("Every message of simulated runs survives encoding and decoding")
    func roundTripTraffic() throws {
        #expect(Self.traffic.count > 1_000)
        let kinds = Set(Self.traffic.map(\.kind))
        #expect(kinds.contains(.append) && kinds.contains(.snapshot) && kinds.contains(.vote))
        for m in Self.traffic {
            #expect(try RaftMessageCodec.decode(RaftMessageCodec.encode(m)) == m)
        }
    }

    @Test("A reader ignores fields appended by a later minor version")
    func trailingFieldsIgnored() throws {
        let m = try #require(Self.traffic.first { !$0.entries.isEmpty })
        #expect(try RaftMessageCodec.decode(RaftMessageCodec.encode(m) + [1, 2, 3, 4]) == m)
    }

    @Test("A message of an unknown version or kind is refused with the reason")
    func unknownVersion() throws {
        let m = try #require(Self.traffic.first)
        var bytes = RaftMessageCodec.encode(m)
        bytes[0] = 9
        #expect(throws: WireError.self) { _ = try RaftMessageCodec.decode(bytes) }
        bytes[0] = 1
        bytes[1] = 200
        #expect(throws: WireError.self) { _ = try RaftMessageCodec.decode(bytes) }
    }

    @Test("Every truncation of a message is refused, never trapped on")
    func truncations() throws {
        let m = try #require(Self.traffic.first { $0.snapshot != nil })
        let bytes = RaftMessageCodec.encode(m)
        for n in 0..<bytes.count {
            #expect(throws: WireError.self) { _ = try RaftMessageCodec.decode(Array(bytes.prefix(n))) }
        }
    }

    @Test("Mutated messages never trap and never allocate beyond their size (bounded fuzz)")
    func fuzz() {
        var rng = SeededRandom.forTest("RaftMessageCodecTests")
        let seeds = Self.traffic.prefix(500).map { RaftMessageCodec.encode($0) }
        let start = ContinuousClock.now
        var runs = 0
        while runs < 100_000 && ContinuousClock.now - start < .seconds(5) {
            var b = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !b.isEmpty {
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] = Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : 0xFF
            }
            if let m = try? RaftMessageCodec.decode(b) {
                #expect(m.entries.count <= b.count)
            }
            runs += 1
        }
        #expect(runs > 1_000)
    }
}

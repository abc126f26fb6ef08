import KibanLinearizability
import Testing

@Suite("Linearizability checker")
struct LinearizabilityCheckerTests {
    typealias Op = Linearizability.Operation

    @Test("A stale read after a completed write is rejected")
    func staleRead() {
        let history = [
            Op(key: "x", input: .write("1"), output: .ok, call: 0, ret: 1),
            Op(key: "x", input: .write("2"), output: .ok, call: 2, ret: 3),
            Op(key: "x", input: .read, output: .read("1"), call: 4, ret: 5),
        ]
        #expect(!Linearizability.check(history))
    }

    @Test("Overlapping operations may take effect in either order")
    func concurrentWrites() {
        let history = [
            Op(key: "x", input: .write("1"), output: .ok, call: 0, ret: 10),
            Op(key: "x", input: .write("2"), output: .ok, call: 1, ret: 9),
            Op(key: "x", input: .read, output: .read("1"), call: 11, ret: 12),
            Op(key: "y", input: .read, output: .read(nil), call: 0, ret: 1),
        ]
        #expect(Linearizability.check(history))
    }

    @Test("Two compare-and-swaps from the same value cannot both succeed")
    func doubleCAS() {
        let history = [
            Op(key: "x", input: .write("a"), output: .ok, call: 0, ret: 1),
            Op(key: "x", input: .cas(expected: "a", new: "b"), output: .cas(true), call: 2, ret: 5),
            Op(key: "x", input: .cas(expected: "a", new: "c"), output: .cas(true), call: 3, ret: 6),
        ]
        #expect(!Linearizability.check(history))
    }

    @Test("A write with an unknown outcome may or may not have happened")
    func unknownOutcome() {
        let maybe = Op(key: "x", input: .write("1"), output: .unknown, call: 0, ret: .max)
        #expect(Linearizability.check([maybe, Op(key: "x", input: .read, output: .read(nil), call: 5, ret: 6)]))
        #expect(Linearizability.check([maybe, Op(key: "x", input: .read, output: .read("1"), call: 5, ret: 6)]))
        // But once seen, it cannot be unseen.
        #expect(
            !Linearizability.check([
                maybe, Op(key: "x", input: .read, output: .read("1"), call: 5, ret: 6),
                Op(key: "x", input: .read, output: .read(nil), call: 7, ret: 8),
            ]))
    }

    @Test("A long history of overlapping clients is checked, and one lost write in it is caught")
    func longHistory() {
        // Three clients in lock step: each round, two overlapping writes then a read of the later
        // value; 1,000 rounds on one key (the search must not need a deep stack).
        var history: [Op] = []
        for round in 0..<1000 {
            let t = UInt64(round) * 10
            history.append(Op(key: "x", input: .write("a\(round)"), output: .ok, call: t, ret: t + 4))
            history.append(Op(key: "x", input: .write("b\(round)"), output: .ok, call: t + 1, ret: t + 5))
            history.append(Op(key: "x", input: .read, output: .read("b\(round)"), call: t + 6, ret: t + 7))
        }
        let passes = Linearizability.check(history)
        #expect(passes)
        // A read near the end that returns the value before an acknowledged write: lost.
        history.append(Op(key: "x", input: .read, output: .read("b998"), call: 10_000, ret: 10_001))
        #expect(Linearizability.failingKeys(history) == ["x"])
    }

    @Test("Many writes with unknown outcomes are searched without blowing up")
    func manyUnknowns() {
        var history: [Op] = []
        for i in 0..<6 {
            history.append(Op(key: "x", input: .write("u\(i)"), output: .unknown, call: UInt64(i), ret: .max))
        }
        for i in 0..<200 {
            let t = 100 + UInt64(i) * 3
            history.append(Op(key: "x", input: .write("w\(i)"), output: .ok, call: t, ret: t + 1))
            history.append(Op(key: "x", input: .read, output: .read(i == 120 ? "u3" : "w\(i)"), call: t + 2, ret: t + 2))
        }
        // u3 may take effect late, but once read it cannot be followed by a read of an older write.
        let passes = Linearizability.check(history)
        #expect(passes)
        history.append(Op(key: "x", input: .read, output: .read("w5"), call: 10_000, ret: 10_001))
        let fails = !Linearizability.check(history)
        #expect(fails)
    }
}

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
        #expect(!Linearizability.check([maybe, Op(key: "x", input: .read, output: .read("1"), call: 5, ret: 6),
                                        Op(key: "x", input: .read, output: .read(nil), call: 7, ret: 8)]))
    }
}

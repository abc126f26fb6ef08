/// A linearizability checker for a key-value register with compare-and-swap, in the style of
/// Wing & Gong (1993) with Lowe's memoisation, as Porcupine implements it: a history is split
/// per key (P-compositionality), then a depth-first search looks for an order of the operations
/// that respects real time and the register's sequential specification.
///
/// ```swift
/// let history = [
///     Linearizability.Operation(key: "x", input: .write("1"), output: .ok, call: 0, ret: 1),
///     Linearizability.Operation(key: "x", input: .read, output: .read("1"), call: 2, ret: 3),
/// ]
/// Linearizability.check(history)   // true
/// ```
public enum Linearizability {
    /// What a client asked.
    public enum Input: Hashable, Sendable {
        /// Read the register.
        case read
        /// Set the register.
        case write(String)
        /// Set the register to `new` if it holds `expected` (`nil`: the key is absent).
        case cas(expected: String?, new: String)
    }

    /// What it was told; `unknown` when the call failed and may or may not have taken effect.
    public enum Output: Hashable, Sendable {
        /// The value read (`nil`: absent).
        case read(String?)
        /// The write took effect.
        case ok
        /// Whether the compare-and-swap swapped.
        case cas(Bool)
        /// No answer (timeout, lost connection): it may take effect at any later time, or never.
        case unknown
    }

    /// One operation on one key, with its real-time interval (any monotonic unit).
    public struct Operation: Hashable, Sendable {
        /// The register.
        public var key: String
        /// What was asked.
        public var input: Input
        /// What was answered.
        public var output: Output
        /// When the client sent it.
        public var call: UInt64
        /// When the answer arrived; `.max` for an operation whose outcome is unknown.
        public var ret: UInt64

        /// An operation as a client saw it.
        public init(key: String, input: Input, output: Output, call: UInt64, ret: UInt64) {
            self.key = key
            self.input = input
            self.output = output
            self.call = call
            self.ret = ret
        }
    }

    /// The register's sequential specification: the states reachable from `state` by the
    /// operation (none when its output is impossible).
    public static func step(_ state: String?, _ input: Input, _ output: Output) -> [String?] {
        switch (input, output) {
        case (.read, .read(let v)): return v == state ? [state] : []
        case (.read, .unknown): return [state]
        case (.write(let v), _): return [v]
        case (.cas(let expected, let new), .cas(let swapped)):
            return swapped ? (state == expected ? [new] : []) : (state != expected ? [state] : [])
        case (.cas(let expected, let new), .unknown): return state == expected ? [new, state] : [state]
        default: return []
        }
    }

    /// True when the whole history is linearizable (every key's sub-history is).
    public static func check(_ history: [Operation]) -> Bool {
        Dictionary(grouping: history, by: \.key).values.allSatisfy { checkKey(Array($0)) }
    }

    /// The keys whose sub-histories are not linearizable, sorted (empty when `check` holds).
    public static func failingKeys(_ history: [Operation]) -> [String] {
        Dictionary(grouping: history, by: \.key).filter { !checkKey($0.value) }.keys.sorted()
    }

    /// The search for one key, iterative so that long histories need no deep stack. `done` marks
    /// linearized operations; the memo holds (done, state) pairs already explored, so each is
    /// searched once.
    public static func checkKey(_ history: [Operation]) -> Bool {
        let ops = history.sorted { $0.call < $1.call }
        var done = Bits(count: ops.count)
        var remaining = ops.count
        var memo: Set<Memo> = [Memo(done: done, state: nil)]
        let byReturn = ops.indices.sorted { ops[$0].ret < ops[$1].ret }
        var frames = [Frame(state: nil, after: nil, ops, byReturn, done)]
        while var frame = frames.popLast() {
            if remaining == 0 { return true }
            var descended = false
            // An operation can go next only if it was called before (or as) every pending one
            // returned; operations are sorted by call, so the scan stops at the first one called later.
            scan: while frame.candidate < ops.count, ops[frame.candidate].call <= frame.horizon {
                let i = frame.candidate
                if !done[i] {
                    let nexts = step(frame.state, ops[i].input, ops[i].output)
                    while frame.choice < nexts.count {
                        let next = nexts[frame.choice]
                        frame.choice += 1
                        done[i] = true
                        if memo.insert(Memo(done: done, state: next)).inserted {
                            frames.append(frame)
                            frames.append(Frame(state: next, after: frame, ops, byReturn, done))
                            remaining -= 1
                            descended = true
                            break scan
                        }
                        done[i] = false
                    }
                }
                frame.candidate += 1
                frame.choice = 0
            }
            if !descended, let parent = frames.last {
                // Every way on from here failed: undo the operation that led here.
                done[parent.candidate] = false
                remaining += 1
            }
        }
        return remaining == 0
    }

    private struct Memo: Hashable {
        var done: Bits
        var state: String?
    }

    /// A set of operation indexes, compact so that memo entries hash quickly.
    private struct Bits: Hashable {
        private var words: [UInt64]

        init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }

        subscript(i: Int) -> Bool {
            get { words[i / 64] & (1 << UInt64(i % 64)) != 0 }
            set {
                if newValue { words[i / 64] |= 1 << UInt64(i % 64) } else { words[i / 64] &= ~(1 << UInt64(i % 64)) }
            }
        }
    }

    /// One level of the search: the state reached, the earliest return among operations not yet
    /// linearized (`horizon`), and the next candidate and choice to try.
    private struct Frame {
        var state: String?
        var horizon = UInt64.max
        var candidate = 0
        var choice = 0
        /// The first operation not yet linearized, in call order and in return order. A deeper
        /// level has linearized more, so its scans start where its parent's stopped: each level
        /// costs the operations in flight, not the whole history.
        var firstOpenByCall = 0
        var firstOpenByReturn = 0

        init(state: String?, after parent: Frame?, _ ops: [Operation], _ byReturn: [Int], _ done: Bits) {
            self.state = state
            firstOpenByCall = parent?.firstOpenByCall ?? 0
            firstOpenByReturn = parent?.firstOpenByReturn ?? 0
            while firstOpenByCall < ops.count, done[firstOpenByCall] { firstOpenByCall += 1 }
            while firstOpenByReturn < ops.count, done[byReturn[firstOpenByReturn]] { firstOpenByReturn += 1 }
            if firstOpenByReturn < ops.count { horizon = ops[byReturn[firstOpenByReturn]].ret }
            candidate = firstOpenByCall
        }
    }
}

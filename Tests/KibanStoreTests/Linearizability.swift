/// A linearizability checker for a key-value register with compare-and-swap, in the style of
/// Wing & Gong (1993) with Lowe's memoisation, as Porcupine implements it: a history is split
/// per key (P-compositionality), then a depth-first search looks for an order of the operations
/// that respects real time and the register's sequential specification.
enum Linearizability {
    /// What a client asked.
    enum Input: Hashable, Sendable {
        case read
        case write(String)
        case cas(expected: String?, new: String)
    }

    /// What it was told; `unknown` when the call failed and may or may not have taken effect.
    enum Output: Hashable, Sendable {
        case read(String?)
        case ok
        case cas(Bool)
        case unknown
    }

    /// One operation on one key, with its real-time interval (any monotonic unit).
    struct Operation: Hashable, Sendable {
        var key: String
        var input: Input
        var output: Output
        var call: UInt64
        /// `.max` for an operation whose outcome is unknown: it may take effect at any later time.
        var ret: UInt64
    }

    /// The register's sequential specification: the states reachable from `state` by the
    /// operation (none when its output is impossible).
    static func step(_ state: String?, _ input: Input, _ output: Output) -> [String?] {
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
    static func check(_ history: [Operation]) -> Bool {
        Dictionary(grouping: history, by: \.key).values.allSatisfy { checkKey(Array($0)) }
    }

    /// The search for one key. `done` marks linearized operations; the memo holds (done, state)
    /// pairs already explored, so each is searched once.
    static func checkKey(_ ops: [Operation]) -> Bool {
        var done = [Bool](repeating: false, count: ops.count)
        var memo = Set<Memo>()
        return search(ops, &done, remaining: ops.count, state: nil, memo: &memo)
    }

    private struct Memo: Hashable {
        var done: [Bool]
        var state: String?
    }

    private static func search(_ ops: [Operation], _ done: inout [Bool], remaining: Int,
                               state: String?, memo: inout Set<Memo>) -> Bool {
        if remaining == 0 { return true }
        guard memo.insert(Memo(done: done, state: state)).inserted else { return false }
        // An operation can go next only if it was called before every pending one returned.
        var horizon = UInt64.max
        for (i, op) in ops.enumerated() where !done[i] { horizon = min(horizon, op.ret) }
        for (i, op) in ops.enumerated() where !done[i] && op.call < horizon {
            for next in step(state, op.input, op.output) {
                done[i] = true
                let found = search(ops, &done, remaining: remaining - 1, state: next, memo: &memo)
                done[i] = false
                if found { return true }
            }
        }
        return false
    }
}

import KibanLinearizability
import KibanStore

extension HistoryRecorder {
    /// Runs one operation of `input` on `store` and records it (a failed read is not recorded:
    /// it returned nothing; a failed write may have happened, so its outcome is unknown).
    @discardableResult
    func run(
        _ input: Linearizability.Input, key: String, on store: Store,
        consistency: ReadConsistency = .linearizable
    ) async -> Linearizability.Output {
        let call = now()
        let k = Array(key.utf8)
        do {
            let output: Linearizability.Output
            switch input {
            case .read:
                output = .read(try await store.get(k, consistency: consistency).map { String(decoding: $0.value, as: UTF8.self) })
            case .write(let v):
                try await store.put(k, Array(v.utf8))
                output = .ok
            case .cas(let expected, let new):
                let compare = expected.map { Compare(k, .equal, .value(Array($0.utf8))) } ?? Compare(k, .equal, .version(0))
                let r = try await store.txn(Txn(compares: [compare], success: [.put(key: k, value: Array(new.utf8), lease: 0)]))
                output = .cas(r.succeeded)
            }
            record(.init(key: key, input: input, output: output, call: call, ret: now()))
            return output
        } catch {
            guard input != .read else { return .unknown }
            record(.init(key: key, input: input, output: .unknown, call: call, ret: .max))
            return .unknown
        }
    }
}

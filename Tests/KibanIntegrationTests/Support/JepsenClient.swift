import Foundation
import KibanAdminAPI
import KibanLinearizability
import KibanRaftSimulation
import Synchronization

/// What the clients of a run counted, and the keys whose writes were acknowledged.
final class JepsenTally: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    private let ackedKeys = Mutex<[String]>([])

    func count(_ what: String) { counts.withLock { $0[what, default: 0] += 1 } }
    func ack(_ key: String) { ackedKeys.withLock { $0.append(key) } }
    subscript(_ what: String) -> Int { counts.withLock { $0[what] ?? 0 } }
    var acked: [String] { ackedKeys.withLock { $0 } }
    var summary: String { counts.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") } }
}

/// One client of a Jepsen-style run: reads, writes and compare-and-swaps on a few registers,
/// and puts of keys of its own, all through one member's admin socket, the way an operator's
/// script would. Every register operation goes into the history with its real-time interval:
/// a write or compare-and-swap that got no 200 answer after it was sent may or may not have
/// happened (`unknown`); one that could not even connect did not happen and is left out.
/// Blocking: runs on a thread of its own.
struct JepsenClient: Sendable {
    let id: Int
    let socket: String
    let keys: [String]
    let seed: UInt64
    let deadline: ContinuousClock.Instant
    let opsMax: Int
    /// Pause after a failed operation, so that a client of a cut-off member does not spin.
    var failurePause = 0.3

    func run(recorder: HistoryRecorder, tally: JepsenTally) {
        var rng = SimRandom(seed: seed)
        // The value and mod revision this client last read per key: what its compare-and-swaps expect.
        var seen: [String: (value: String?, modRevision: Int)] = [:]
        let connection = AdminClient(socketPath: socket, answerSecondsMax: 5)
        for n in 0..<opsMax {
            guard ContinuousClock.now < deadline else { break }
            let key = keys[Int(rng.next() % UInt64(keys.count))]
            let value = "c\(id)-\(n)"
            let succeeded: Bool
            switch rng.next() % 10 {
            case 0..<4:
                let call = recorder.now()
                let outcome = connection.exchange("GET", "/v1/kv?key=\(key)")
                guard let list = outcome.json as? [[String: Any]] else {
                    tally.count("read-failed")
                    succeeded = false
                    break
                }
                let found = list.first?["value"] as? String
                seen[key] = (found, (list.first?["modRevision"] as? NSNumber)?.intValue ?? 0)
                recorder.record(.init(key: key, input: .read, output: .read(found), call: call, ret: recorder.now()))
                tally.count("read-ok")
                succeeded = true
            case 4..<7:
                succeeded = change(.write(value), key, ["key": key, "value": value], connection, recorder, tally)
            case 7..<9:
                let expected = seen[key] ?? (value: nil, modRevision: 0)
                succeeded = change(
                    .cas(expected: expected.value, new: value), key,
                    ["key": key, "value": value, "expectModRevision": expected.modRevision],
                    connection, recorder, tally)
            default:
                let unique = "ack/c\(id)/\(n)"
                if connection.exchange("PUT", "/v1/kv", json: ["key": unique, "value": value]).json != nil {
                    tally.ack(unique)
                    succeeded = true
                } else {
                    tally.count("ack-put-failed")
                    succeeded = false
                }
            }
            if !succeeded { Thread.sleep(forTimeInterval: failurePause) }
        }
    }

    /// A write or compare-and-swap (`PUT /v1/kv`), recorded with its outcome.
    private func change(
        _ input: Linearizability.Input, _ key: String, _ body: [String: Any],
        _ connection: AdminClient, _ recorder: HistoryRecorder, _ tally: JepsenTally
    ) -> Bool {
        let call = recorder.now()
        let outcome = connection.exchange("PUT", "/v1/kv", json: body)
        let kind = if case .cas = input { "cas" } else { "write" }
        switch outcome {
        case .refused:
            tally.count("\(kind)-refused")
            return false
        case .answered(200, _):
            let swapped = ((outcome.json as? [String: Any])?["succeeded"] as? Bool) ?? false
            let output: Linearizability.Output = if case .cas = input { .cas(swapped) } else { .ok }
            recorder.record(.init(key: key, input: input, output: output, call: call, ret: recorder.now()))
            tally.count(output == .cas(false) ? "cas-not-swapped" : "\(kind)-ok")
            return true
        case .answered(let status, _):
            tally.count("\(kind)-\(status)")
        case .lost:
            tally.count("\(kind)-lost")
        }
        recorder.record(.init(key: key, input: input, output: .unknown, call: call, ret: .max))
        return false
    }
}

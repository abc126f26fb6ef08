import KibanLinearizability
import KibanRaft
import KibanStore
import KibanTestSupport
import Synchronization
import Testing

@Suite("Linearizability under faults")
struct LinearizabilityTests {
    @Test(
        "Concurrent clients see a linearizable register while members crash and are partitioned",
        arguments: [3, 5])
    func clusterUnderFaults(size: Int) async throws {
        let c = try await TestCluster(size: size, snapshotEntries: 50, requestAttemptsMax: 3)
        try await c.leader()
        let recorder = HistoryRecorder()
        var faultTimes: [UInt64] = []
        // Clients run until the nemesis is done, so every fault lands among their operations.
        let faulting = Flag(true)
        try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for client in 0..<6 {
                group.addTask {
                    try await runClient(client, cluster: c, recorder: recorder, while: faulting)
                    return []
                }
            }
            group.addTask {
                defer { faulting.set(false) }
                return try await nemesis(c, rounds: Self.faultRounds, recorder: recorder)
            }
            for try await times in group { faultTimes += times }
        }
        c.network.heal()
        let history = recorder.history
        // Every fault must land while clients run (they run until the nemesis is done): a fault
        // after the clients finished tests nothing.
        let first = history.map(\.call).min() ?? 0
        let last = history.map(\.ret).max() ?? 0
        let overlapping = faultTimes.filter { $0 > first && $0 < last }.count
        let answered = history.filter { $0.output != .unknown }.count
        print("linearizability (\(size) members): \(history.count) operations, \(answered) answered, \(overlapping) of \(faultTimes.count) faults among them")
        #expect(
            faultTimes.count == Self.faultRounds && overlapping == faultTimes.count,
            "\(overlapping) of \(faultTimes.count) faults began while clients ran")
        // Six clients of at least 40 operations each; failed reads are left out of the history.
        #expect(history.count >= 200 && answered >= 150, "\(history.count) operations, \(answered) answered")
        #expect(Linearizability.check(history), "the history is not linearizable")
        await c.stopAll()
    }

    /// Crashes and partitions per run, alternating.
    static let faultRounds = 6

    @Test("The checker rejects stale serializable reads from a partitioned old leader")
    func staleReadIsCaught() async throws {
        let c = try await TestCluster(size: 3)
        let old = try await c.leader()
        let recorder = HistoryRecorder()
        await recorder.run(.write("1"), key: "x", on: c[old])
        c.network.isolate(old)
        let others = c.followers(of: old)
        try await until("the majority elects a new leader") {
            for id in others where await c[id].status.role == .leader { return true }
            return false
        }
        await recorder.run(.write("2"), key: "x", on: c[others[0]])
        // A serializable read answers from the old leader's own, stale, state.
        let call = recorder.now()
        let stale = try await c[old].get(Array("x".utf8), consistency: .serializable)
        recorder.record(
            .init(
                key: "x", input: .read, output: .read(stale.map { String(decoding: $0.value, as: UTF8.self) }),
                call: call, ret: recorder.now()))
        #expect(stale?.value == Array("1".utf8))
        #expect(recorder.history.count == 3)
        #expect(!Linearizability.check(recorder.history))
        // The linearizable read refuses to answer from the minority side instead.
        await #expect(throws: StoreError.self) { try await c[old].get(Array("x".utf8)) }
        await c.stopAll()
    }
}

/// A flag shared between tasks.
final class Flag: Sendable {
    private let value: Mutex<Bool>
    init(_ value: Bool) { self.value = Mutex(value) }
    func set(_ new: Bool) { value.withLock { $0 = new } }
    var isSet: Bool { value.withLock { $0 } }
}

/// One client: reads, writes and compare-and-swaps on a few keys through random members, at
/// least 40 operations and on while `running` is set (at most 300).
func runClient(
    _ client: Int, cluster: TestCluster, recorder: HistoryRecorder,
    consistency: ReadConsistency = .linearizable, while running: Flag? = nil
) async throws {
    var rng = SeededRandom(seed: UInt64(client) &* 0x9E37_79B9 &+ 1)
    var seen: [String: String?] = [:]
    for n in 0..<300 where n < 40 || running?.isSet == true {
        guard let store = cluster.stores.values.randomElement(using: &rng) else {
            try await Task.sleep(for: .milliseconds(20))
            continue
        }
        let key = "k\(rng.next() % 3)"
        let value = "c\(client)-\(n)"
        let input: Linearizability.Input
        switch rng.next() % 10 {
        case 0..<4: input = .read
        case 4..<7: input = .write(value)
        default: input = .cas(expected: seen[key] ?? nil, new: value)
        }
        if case .read(let v) = await recorder.run(input, key: key, on: store, consistency: consistency) {
            seen[key] = v
        }
    }
}

/// Crashes and restarts members, and partitions them off, one fault at a time; returns when
/// each fault began (on `recorder`'s clock).
func nemesis(_ c: TestCluster, rounds: Int, recorder: HistoryRecorder) async throws -> [UInt64] {
    var rng = SeededRandom(seed: 42)
    var began: [UInt64] = []
    for round in 0..<rounds {
        try await Task.sleep(for: .milliseconds(100 + Int(rng.next() % 200)))
        let victim = c.ids[Int(rng.next() % UInt64(c.ids.count))]
        began.append(recorder.now())
        if round % 2 == 0 {
            await c.crash(victim)
            try await Task.sleep(for: .milliseconds(50 + Int(rng.next() % 200)))
            try await c.start(victim)
        } else {
            c.network.isolate(victim)
            try await Task.sleep(for: .milliseconds(100 + Int(rng.next() % 300)))
            c.network.heal()
        }
    }
    return began
}

import Foundation
import KibanAdminAPI
import KibanLinearizability
import KibanRaftSimulation
import KibanTestSupport
import Testing

/// Jepsen-style runs against real `kiban server` processes through the admin API.
/// `KIBAN_JEPSEN_SECONDS` (default 30) bounds the run, `KIBAN_JEPSEN_SEED` replays the
/// nemesis's and clients' choices (timing still varies).
@Suite("Jepsen-style runs with real processes", .serialized)
struct JepsenTests {
    static let keys = ["r0", "r1", "r2"]
    static let clientsPerMember = 2

    @Test(
        "Clients on every member see a linearizable register while members are killed and partitioned, alone, together and two at once, and no acknowledged write is lost"
    )
    func registerUnderFaults() async throws {
        let seconds = Int(ProcessInfo.processInfo.environment["KIBAN_JEPSEN_SECONDS"] ?? "") ?? 30
        let seed = UInt64(ProcessInfo.processInfo.environment["KIBAN_JEPSEN_SEED"] ?? "") ?? UInt64.random(in: 1...1_000_000)
        print("jepsen: seed \(seed), \(seconds) s (replay with KIBAN_JEPSEN_SEED=\(seed))")
        let root = try temporaryDirectory("kiban-jepsen")
        // Namespaces when root (kills and partitions), loopback otherwise (kills only).
        let lab: NetworkLab? = try NetworkLab.unavailableReason == nil ? NetworkLab.create(size: 3) : nil
        defer {
            lab?.destroy()
            try? FileManager.default.removeItem(atPath: root)
        }
        let cluster: Cluster
        if let lab {
            cluster = try await Cluster.start(in: lab, prefix: "boot", root: root)
        } else {
            cluster = try await Cluster.start(3, prefix: "boot", root: root)
        }
        defer { cluster.stopAll() }
        try await cluster.initialize()
        try await cluster.joinOthers()

        let recorder = HistoryRecorder()
        let tally = JepsenTally()
        let deadline = ContinuousClock.now + .seconds(seconds)
        let clients = Self.startClients(cluster, seed: seed, deadline: deadline, recorder: recorder, tally: tally)
        var nemesis = Nemesis(
            cluster: cluster, lab: lab, rng: SimRandom(seed: seed),
            wallClockShift: try WallClockShift.build(in: root))
        let started = ContinuousClock.now
        try await nemesis.run(until: deadline, recorder: recorder, tally: tally)
        await withCheckedContinuation { done in clients.notify(queue: .global()) { done.resume() } }

        try await poll("every member to reach the same revision after the faults", seconds: 120) { cluster.converged() }
        try Self.finalReads(cluster, recorder: recorder)
        try Self.expectAcknowledgedPresent(cluster, tally.acked)
        try Self.expectClocksMoved(cluster, nemesis.clockOffsets)

        let history = recorder.history
        let clock = ContinuousClock.now
        let failing = Linearizability.failingKeys(history)
        print(
            "jepsen: \(history.count) operations, \(tally.acked.count) acknowledged unique puts; \(tally.summary); checked in \(ContinuousClock.now - clock); faults and clients ran \(ContinuousClock.now - started)"
        )
        if !failing.isEmpty {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-jepsen-\(seed).history").path
            try Data(history.map { "\($0)" }.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
            Issue.record("not linearizable on \(failing) (seed \(seed)); history in \(path)")
        }
        Self.expectFaultsAndWork(seconds: seconds, lab: lab != nil, tally: tally, history: history)
        Self.expectNothingSucceeded(in: nemesis.outages, history: history)
    }

    /// The run did what its length promises. A fault takes 3 to 9 s with the pause before it and
    /// the restart, the majority loss up to 16 s; 6 clients finish about 45 operations a second
    /// between them (1,417 in one 30 s run: 618 reads, 482 writes, 69 swaps). At the default
    /// 30 s the bounds are: 2 faults (the first a kill and a cut at once, in namespaces) and
    /// the majority loss, 450 operations, 90 reads, 60 writes, 15 swaps.
    static func expectFaultsAndWork(seconds: Int, lab: Bool, tally: JepsenTally, history: [Linearizability.Operation]) {
        let single = tally["nemesis-kill"] + tally["nemesis-link down"] + tally["nemesis-iptables DROP"]
        let concurrent = tally["nemesis-kill+cut"]
        #expect(single + concurrent >= seconds / 15, "the nemesis injected faults: \(tally.summary)")
        #expect(concurrent >= (lab ? 1 : 0), "a kill and a cut at once: \(tally.summary)")
        #expect(tally["nemesis-majority loss"] == 1, "two members down once: \(tally.summary)")
        #expect(
            tally["majority-loss-write-ok"] == 0 && tally["majority-loss-write-failed"] == Nemesis.majorityLossProbes,
            "writes through the only member left must fail: \(tally.summary)")
        #expect(history.count >= seconds * 15, "\(history.count) operations in \(seconds) s")
        #expect(
            tally["read-ok"] >= seconds * 3 && tally["write-ok"] >= seconds * 2 && tally["cas-ok"] >= seconds / 2,
            "clients got work done: \(tally.summary)")
    }

    /// While no quorum could form (``Nemesis/outages``), no operation that began and ended
    /// inside that time succeeded: it would have been answered without a majority.
    static func expectNothingSucceeded(in outages: [ClosedRange<UInt64>], history: [Linearizability.Operation]) {
        #expect(!outages.isEmpty)
        for outage in outages {
            let answered = history.filter { $0.output != .unknown && outage.contains($0.call) && outage.contains($0.ret) }
            #expect(answered.isEmpty, "answered without a quorum: \(answered.prefix(5))")
        }
    }

    /// `clientsPerMember` threads on each member's socket; the group is left when all are done.
    static func startClients(
        _ cluster: Cluster, seed: UInt64, deadline: ContinuousClock.Instant,
        recorder: HistoryRecorder, tally: JepsenTally
    ) -> DispatchGroup {
        let group = DispatchGroup()
        for (i, m) in cluster.members.enumerated() {
            for j in 0..<clientsPerMember {
                let id = i * clientsPerMember + j
                let client = JepsenClient(
                    id: id, socket: m.socket, keys: keys, seed: seed &+ UInt64(id + 1),
                    deadline: deadline, opsMax: 5000)
                group.enter()
                Thread {
                    client.run(recorder: recorder, tally: tally)
                    group.leave()
                }.start()
            }
        }
        return group
    }

    /// Linearizable reads of every register through every member, after the faults: recorded
    /// (so a lost last write fails the check) and equal everywhere.
    static func finalReads(_ cluster: Cluster, recorder: HistoryRecorder) throws {
        for key in keys {
            var values: [String?] = []
            for m in cluster.members {
                let call = recorder.now()
                let value = try m.read(key, secondsMax: 60).get()
                recorder.record(.init(key: key, input: .read, output: .read(value), call: call, ret: recorder.now()))
                values.append(value)
            }
            #expect(Set(values).count == 1, "\(key) reads the same through every member: \(values)")
        }
    }

    /// The members that came back from the majority loss with moved clocks took part: each
    /// answers a write, and the audit record it writes for it carries its moved time. Skipped
    /// (and said so by ``WallClockShift``) without a C compiler. Each is SIGKILLed after its
    /// check, so the next one's write may need an election (the killed one may have led) that
    /// a member with a moved clock must run or vote in.
    static func expectClocksMoved(_ cluster: Cluster, _ offsets: [String: Int]) throws {
        guard !offsets.isEmpty else { return }
        for (name, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            let m = try #require(cluster.member(name))
            let key = "clock/\(name)"
            let before = Date().timeIntervalSince1970
            let outcome = m.put(key, "\(offset)")
            #expect(outcome.json != nil, "\(name), clock moved \(offset) s, answers a write: \(outcome)")
            let after = Date().timeIntervalSince1970
            // Entries are keyed by the writing member's clock: look from a little before its moved time.
            let rfc3339 = ISO8601DateFormatter()
            let since = rfc3339.string(from: Date(timeIntervalSince1970: before + Double(offset) - 60))
            let audit = AdminClient(socketPath: m.socket, answerSecondsMax: 30)
                .exchange("GET", "/v1/audit?action=kv.put&subject=\(key)&since=\(since)")
            let page = try #require(audit.json as? [String: Any], "\(name) lists the audit log: \(audit)")
            let records = try #require(page["entries"] as? [[String: Any]], "\(name)'s audit page has entries: \(audit)")
            rfc3339.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let stamp = try #require(records.last?["time"] as? String, "the audit log records the put through \(name): \(audit)")
            let time = try #require(rfc3339.date(from: stamp), "an RFC 3339 time: \(stamp)").timeIntervalSince1970
            let moved = (before + Double(offset) - 5)...(after + Double(offset) + 5)
            #expect(moved.contains(time), "\(name) stamped \(time), expected \(moved) (clock \(offset) s off)")
            print("jepsen: \(name) ran with its clock \(offset) s off: audit time \(Int(time - after)) s from the test's")
            m.kill()
        }
    }

    /// Every acknowledged unique put is on every member.
    static func expectAcknowledgedPresent(_ cluster: Cluster, _ acked: [String]) throws {
        #expect(!acked.isEmpty)
        for m in cluster.members {
            let outcome = AdminClient(socketPath: m.socket, answerSecondsMax: 60).exchange("GET", "/v1/kv?key=ack/&prefix=true")
            let list = try #require(outcome.json as? [[String: Any]], "\(m.name) lists ack/: \(outcome)")
            let present = Set(list.compactMap { $0["key"] as? String })
            let lost = acked.filter { !present.contains($0) }
            #expect(lost.isEmpty, "\(m.name) lost acknowledged writes: \(lost.prefix(10))")
        }
    }

    @Test(
        "The checker fails a history with a stale serializable read from a cut-off member",
        .enabled(if: NetworkLab.unavailableReason == nil, "needs root and iptables for network namespaces"))
    func staleReadIsCaught() async throws {
        try await PartitionTests.withCluster("kiban-stale") { lab, cluster in
            let recorder = HistoryRecorder()
            let leaderName = try #require(cluster.leader(seenBy: cluster.members[0]))
            let follower = try #require(cluster.members.first { $0.name != leaderName })
            let f = try #require(cluster.index(of: follower.name))
            let leader = try #require(cluster.member(leaderName))
            try Self.recordedPut(leader, "x", "1", recorder)
            try await poll("the follower to apply x=1", seconds: 60) { (try? follower.read("x", consistency: "serializable").get()) == "1" }

            try lab.cut(f, by: .iptablesDrop)
            defer { try? lab.heal(f, from: .iptablesDrop) }
            try Self.recordedPut(leader, "x", "2", recorder)
            let call = recorder.now()
            let stale = try follower.read("x", consistency: "serializable").get()
            let staleRead = Linearizability.Operation(key: "x", input: .read, output: .read(stale), call: call, ret: recorder.now())
            #expect(stale == "1", "the cut-off member answers from its own, stale, state")
            #expect(Linearizability.check(recorder.history), "without the stale read the history is linearizable")
            #expect(!Linearizability.check(recorder.history + [staleRead]), "the checker catches the stale read")
            // What the clients above use, a linearizable read, refuses instead of answering stale.
            if case .success(let v) = follower.read("x", secondsMax: 45) { Issue.record("a linearizable read answered \(v ?? "absent")") }
        }
    }

    static func recordedPut(_ m: ServerProcess, _ key: String, _ value: String, _ recorder: HistoryRecorder) throws {
        let call = recorder.now()
        let outcome = m.put(key, value)
        guard outcome.json != nil else { throw TestFailure("put \(key)=\(value) through \(m.name) failed: \(outcome)") }
        recorder.record(.init(key: key, input: .write(value), output: .ok, call: call, ret: recorder.now()))
    }
}

import Foundation
import KibanAdminAPI
import KibanLinearizability
import KibanRaftSimulation

/// Injects faults into a cluster of three real processes until a deadline:
///
/// - single faults: SIGKILL and restart of a member, or (with a lab) cutting a member off by link
///   down or iptables DROP and healing it; half the time the victim is the leader;
/// - concurrent faults (`kill+cut`, with a lab: the first fault and every third after it): one
///   member cut off while another is killed, both undone together;
/// - once, halfway through the run, a majority loss: two members killed, writes through the
///   survivor that must not succeed, then both restarted, and (when a C compiler builds
///   ``WallClockShift``) with their wall clocks moved: one an hour ahead, one four minutes
///   behind, for the rest of the run (``clockOffsets``).
///
/// The last two leave no quorum: the windows in which that holds are kept in ``outages``, on the
/// history's clock, so that the test can require that nothing succeeded inside them.
struct Nemesis {
    let cluster: Cluster
    let lab: NetworkLab?
    var rng: SimRandom
    /// The library that moves a restarted member's wall clock; nil: clocks are not moved.
    let wallClockShift: String?
    /// When no quorum could form: from the moment the last fault took effect to the moment the
    /// first was undone.
    private(set) var outages: [ClosedRange<UInt64>] = []
    /// Members restarted with a moved wall clock: name → seconds ahead (negative: behind).
    private(set) var clockOffsets: [String: Int] = [:]

    /// The wall-clock moves of the members that come back from the majority loss: well inside
    /// the certificates' lifetime ahead, and inside the five minutes their validity starts
    /// before their issue behind (docs/pki.md).
    static let clockMoves = [3600, -240]

    /// Runs faults until `deadline`, counting each kind in `tally` (`nemesis-kill`, …) and
    /// recording the majority loss's probe writes in `recorder`.
    mutating func run(until deadline: ContinuousClock.Instant, recorder: HistoryRecorder, tally: JepsenTally) async throws {
        let halfway = ContinuousClock.now + (deadline - ContinuousClock.now) / 2
        var majorityLost = false
        var faults = 0
        while ContinuousClock.now + .seconds(6) < deadline {
            try? await Task.sleep(for: .milliseconds(1000 + Int(rng.next() % 1000)))
            if !majorityLost && ContinuousClock.now >= halfway {
                majorityLost = true
                try await loseMajority(recorder: recorder, tally: tally)
                continue
            }
            faults += 1
            let kinds = ["kill"] + (lab == nil ? [] : NetworkLab.Cut.allCases.map(\.rawValue))
            let kind = lab != nil && faults % 3 == 1 ? "kill+cut" : kinds[Int(rng.next() % UInt64(kinds.count))]
            let victim = pickVictim()
            if kind == "kill+cut" {
                try await killAndCut(victim, recorder: recorder)
            } else if let lab, let cut = NetworkLab.Cut(rawValue: kind) {
                try lab.cut(victim, by: cut)
                try? await Task.sleep(for: .milliseconds(2000 + Int(rng.next() % 3000)))
                try lab.heal(victim, from: cut)
            } else {
                let m = cluster.members[victim - 1]
                m.kill()
                try? await Task.sleep(for: .milliseconds(500 + Int(rng.next() % 2500)))
                try await m.start()
            }
            tally.count("nemesis-\(kind)")
        }
    }

    /// Cuts `victim` off and, at the same time, kills another member; heals and restarts both
    /// after 2 to 4 s.
    private mutating func killAndCut(_ victim: Int, recorder: HistoryRecorder) async throws {
        guard let lab else { return }
        let cut = NetworkLab.Cut.allCases[Int(rng.next() % UInt64(NetworkLab.Cut.allCases.count))]
        let other = cluster.members[(victim + Int(rng.next() % 2)) % cluster.members.count]
        try lab.cut(victim, by: cut)
        other.kill()
        let from = recorder.now()
        try? await Task.sleep(for: .milliseconds(2000 + Int(rng.next() % 2000)))
        outages.append(from...recorder.now())
        try lab.heal(victim, from: cut)
        try await other.start()
    }

    /// Kills two of the three members, sends writes through the survivor (each must end in a
    /// refusal or a timeout: one that succeeds is counted as `majority-loss-write-ok`), then
    /// restarts both.
    private mutating func loseMajority(recorder: HistoryRecorder, tally: JepsenTally) async throws {
        let survivor = cluster.members[Int(rng.next() % UInt64(cluster.members.count))]
        let down = cluster.members.filter { $0.name != survivor.name }
        for m in down { m.kill() }
        let from = recorder.now()
        for n in 0..<Self.majorityLossProbes {
            let key = JepsenTests.keys[n % JepsenTests.keys.count]
            let value = "majority-loss-\(n)"
            let call = recorder.now()
            let outcome = AdminClient(socketPath: survivor.socket, answerSecondsMax: 2)
                .exchange("PUT", "/v1/kv", json: ["key": key, "value": value])
            if case .answered(200, _) = outcome {
                tally.count("majority-loss-write-ok")
                recorder.record(.init(key: key, input: .write(value), output: .ok, call: call, ret: recorder.now()))
            } else {
                tally.count("majority-loss-write-failed")
                // Sent, so it may still commit once the others are back.
                recorder.record(.init(key: key, input: .write(value), output: .unknown, call: call, ret: .max))
            }
        }
        try? await Task.sleep(for: .milliseconds(1000))
        outages.append(from...recorder.now())
        for (m, offset) in zip(down, Self.clockMoves) {
            if let wallClockShift { moveClock(of: m, by: offset, with: wallClockShift) }
            try await m.start()
        }
        tally.count("nemesis-majority loss")
    }

    /// Runs `m` from its next start with its wall clock `seconds` off (CLOCK_REALTIME only: the
    /// monotonic clock that Raft's ticks and timeouts use stays true).
    private mutating func moveClock(of m: ServerProcess, by seconds: Int, with library: String) {
        m.environment["LD_PRELOAD"] = library
        m.environment["KIBAN_TEST_WALLCLOCK_OFFSET"] = "\(seconds)"
        clockOffsets[m.name] = seconds
    }

    /// Writes the majority loss sends through the member left running.
    static let majorityLossProbes = 3

    /// The leader as some member sees it (half the time), otherwise any member; 1-based.
    private mutating func pickVictim() -> Int {
        if rng.next() % 2 == 0 {
            for m in cluster.members {
                if let name = cluster.leader(seenBy: m), let i = cluster.index(of: name) { return i }
            }
        }
        return 1 + Int(rng.next() % UInt64(cluster.members.count))
    }
}

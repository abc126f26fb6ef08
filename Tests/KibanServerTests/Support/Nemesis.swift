import Foundation
import KibanRaftSimulation

/// Injects one fault at a time into a cluster of real processes until a deadline: SIGKILL and
/// restart of a member, or (with a lab) cutting a member off by link down or iptables DROP and
/// healing it. Half the time the victim is the leader. Each fault is undone before the next, so
/// a majority is always there to carry on.
struct Nemesis {
    let cluster: Cluster
    let lab: NetworkLab?
    var rng: SimRandom

    /// Runs faults until `deadline`, counting each kind in `tally` (`nemesis-kill`, …).
    mutating func run(until deadline: ContinuousClock.Instant, tally: JepsenTally) async throws {
        while ContinuousClock.now + .seconds(6) < deadline {
            try? await Task.sleep(for: .milliseconds(1000 + Int(rng.next() % 1000)))
            let victim = pickVictim()
            let kinds = ["kill"] + (lab == nil ? [] : NetworkLab.Cut.allCases.map(\.rawValue))
            let kind = kinds[Int(rng.next() % UInt64(kinds.count))]
            let m = cluster.members[victim - 1]
            if let lab, let cut = NetworkLab.Cut(rawValue: kind) {
                try lab.cut(victim, by: cut)
                try? await Task.sleep(for: .milliseconds(2000 + Int(rng.next() % 3000)))
                try lab.heal(victim, from: cut)
            } else {
                m.kill()
                try? await Task.sleep(for: .milliseconds(500 + Int(rng.next() % 2500)))
                try await m.start()
            }
            tally.count("nemesis-\(kind)")
        }
    }

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

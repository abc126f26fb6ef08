/// Phase 1: the Kubernetes etcd's membership (docs/installer.md, "placement").
extension Planner {
    func etcdPhase() -> Outcome {
        let voters = world.etcd.filter { !$0.learner }
        let members = Set(world.etcd.map(\.serial))
        let candidates = world.machines.filter { spec.controlPlane.select.matches($0) && $0.state == .healthy && !members.contains($0.serial) }
        if world.etcd.isEmpty { return bootstrap(candidates) }
        let healthy = voters.filter { $0.healthy && isHealthy($0.serial) }
        guard healthy.count >= Self.quorum(voters.count) else {
            let down = voters.filter { !($0.healthy && isHealthy($0.serial)) }.map(\.serial)
            return Outcome(
                blocked: [
                    "etcd has lost its quorum: \(healthy.count) of \(voters.count) voters healthy (down: \(down.joined(separator: ", "))); "
                        + "nothing changes until a majority is back"
                ], stop: true)
        }
        if let learner = world.etcd.first(where: \.learner) { return finish(learner, voters: voters, healthy: healthy.count) }
        let replaced = voters.filter { isReplaced($0.serial) }
        if voters.count > spec.controlPlane.count { return shrink(voters, replaced: replaced, healthy: healthy) }
        var outcome = Outcome()
        for v in voters where !v.healthy && isHealthy(v.serial) {
            outcome.waiting.append("etcd member on \(v.serial) does not answer on a healthy machine; its agent restarts it")
        }
        let occupied = Dictionary(voters.filter { !isReplaced($0.serial) }.compactMap { machine($0.serial)?.rack }.map { ($0, 1) }, uniquingKeysWith: +)
        let next = place(1, from: candidates, occupied: occupied, avoiding: Set(replaced.compactMap { machine($0.serial)?.rack })).first
        let needed = !replaced.isEmpty || voters.count < spec.controlPlane.count
        if let next, needed || (occupied.values.contains { $0 > 1 } && occupied[next.rack] == nil) {
            outcome.steps = [.addEtcdLearner(next.serial)]
        } else if needed {
            outcome.blocked.append(
                "etcd needs \(spec.controlPlane.count) voters and has \(voters.count - replaced.count) on healthy machines"
                    + (replaced.isEmpty ? "" : " (to replace: \(replaced.map(\.serial).joined(separator: ", ")))")
                    + "; no other healthy machine qualifies (\(selection))")
        }
        return outcome
    }

    /// The first members, spread over racks, or why not.
    private func bootstrap(_ candidates: [World.Machine]) -> Outcome {
        let chosen = place(spec.controlPlane.count, from: candidates)
        guard chosen.count == spec.controlPlane.count else {
            return Outcome(
                blocked: [
                    "the control plane needs \(spec.controlPlane.count) healthy machines (\(selection)); \(candidates.count) qualify"
                        + (candidates.isEmpty ? "" : ": " + candidates.prefix(10).map(\.serial).joined(separator: ", "))
                ], stop: true)
        }
        return Outcome(steps: [.bootstrapEtcd(chosen.map(\.serial))])
    }

    /// A learner is promoted once caught up, or removed when its machine went away.
    private func finish(_ learner: World.EtcdMember, voters: [World.EtcdMember], healthy: Int) -> Outcome {
        if isReplaced(learner.serial) { return Outcome(steps: [.removeEtcd(learner.serial)]) }
        guard learner.healthy, isHealthy(learner.serial) else { return Outcome(waiting: ["etcd learner on \(learner.serial) is catching up"], stop: true) }
        guard healthy + 1 >= Self.quorum(voters.count + 1) else {
            return Outcome(
                blocked: ["promoting \(learner.serial) would leave \(healthy + 1) of \(voters.count + 1) voters healthy, below a quorum"], stop: true)
        }
        return Outcome(steps: [.promoteEtcd(learner.serial)])
    }

    /// One voter too many (after a promotion): remove a replaced one, else one sharing a rack,
    /// else the lightest; never below a quorum of healthy voters.
    private func shrink(_ voters: [World.EtcdMember], replaced: [World.EtcdMember], healthy: [World.EtcdMember]) -> Outcome {
        let racks = Dictionary(voters.compactMap { machine($0.serial)?.rack }.map { ($0, 1) }, uniquingKeysWith: +)
        let crowded = voters.filter { v in machine(v.serial).map { racks[$0.rack, default: 0] > 1 } ?? false }
        let pool = replaced.isEmpty ? (crowded.isEmpty ? voters : crowded) : replaced
        let victim = pool.min { a, b in
            let wa = machine(a.serial).map(weight) ?? 0
            let wb = machine(b.serial).map(weight) ?? 0
            return wa != wb ? wa < wb : a.serial > b.serial
        }
        guard let victim else { return Outcome() }
        let left = healthy.count - (healthy.contains(victim) ? 1 : 0)
        guard left >= Self.quorum(voters.count - 1) else {
            return Outcome(blocked: ["removing \(victim.serial) would leave \(left) of \(voters.count - 1) voters healthy, below a quorum"], stop: true)
        }
        return Outcome(steps: [.removeEtcd(victim.serial)])
    }

    /// The control plane's selection, for messages.
    var selection: String {
        let s = spec.controlPlane.select
        return "roles \(s.roles.joined(separator: ", "))"
            + (s.labels.isEmpty ? "" : ", labels " + s.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
    }
}

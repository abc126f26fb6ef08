/// Phases 2–5: the Kubernetes components on control-plane machines and workers, and upgrades.
extension Planner {
    /// Phase 2: control-plane components on every voter on a healthy machine; removed from
    /// machines that are no longer etcd members.
    func controlPlanePhase() -> Outcome {
        let voters = Set(world.etcd.filter { !$0.learner }.map(\.serial))
        let members = Set(world.etcd.map(\.serial))
        let installed = Set(world.nodes.filter(\.controlPlane).map(\.serial))
        var steps: [Step] = world.nodes.filter { $0.controlPlane && !members.contains($0.serial) }.map { .removeNode($0.serial) }
        steps += voters.sorted().filter { !installed.contains($0) && isHealthy($0) }.map { .installControlPlane($0, version: spec.kubernetesVersion) }
        return Outcome(steps: steps)
    }

    /// Phase 3: one control-plane machine at a time to the spec's version, while all are healthy.
    func controlPlaneUpgradePhase() -> Outcome {
        let old = world.nodes.filter { $0.controlPlane && $0.version != spec.kubernetesVersion }.sorted { $0.serial < $1.serial }
        guard let next = old.first else { return Outcome() }
        let unwell = world.etcd.filter { !$0.healthy || !isHealthy($0.serial) }.map(\.serial)
        guard unwell.isEmpty else {
            return Outcome(
                waiting: ["the upgrade to \(spec.kubernetesVersion) waits for a healthy control plane (not healthy: \(unwell.joined(separator: ", ")))"],
                stop: true)
        }
        return Outcome(steps: [.upgradeNode(next.serial, version: spec.kubernetesVersion)])
    }

    /// Phase 4: workers leave when retiring, retired, gone or no longer selected; qualifying
    /// healthy machines join, spread over racks, up to the spec's maximum.
    func workerPhase() -> Outcome {
        let members = Set(world.etcd.map(\.serial))
        let workers = world.nodes.filter { !$0.controlPlane }
        let leaving = workers.filter { w in
            guard let m = machine(w.serial) else { return true }
            return m.state == .retiring || m.state == .retired || !spec.workers.select.matches(m) || members.contains(w.serial)
        }
        var steps: [Step] = leaving.map { .removeNode($0.serial) }
        let nodes = Set(world.nodes.map(\.serial))
        let room = spec.workers.max - (workers.count - leaving.count)
        let candidates = world.machines.filter {
            spec.workers.select.matches($0) && $0.state == .healthy && !members.contains($0.serial) && !nodes.contains($0.serial)
        }
        let occupied = Dictionary(workers.compactMap { machine($0.serial)?.rack }.map { ($0, 1) }, uniquingKeysWith: +)
        steps += place(max(0, room), from: candidates, occupied: occupied).map { .installWorker($0.serial, version: spec.kubernetesVersion) }
        return Outcome(steps: steps)
    }

    /// Phase 5: workers to the spec's version, a tenth at a time (at least one), once every
    /// control-plane machine runs it.
    func workerUpgradePhase() -> Outcome {
        let old = world.nodes.filter { !$0.controlPlane && $0.version != spec.kubernetesVersion && isHealthy($0.serial) }.sorted { $0.serial < $1.serial }
        guard !old.isEmpty else { return Outcome() }
        let batch = max(1, world.nodes.filter { !$0.controlPlane }.count / 10)
        return Outcome(steps: old.prefix(batch).map { .upgradeNode($0.serial, version: spec.kubernetesVersion) })
    }
}

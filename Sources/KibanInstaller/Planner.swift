import KibanInventory

/// The installer's decision function: (spec, world) → the next batch of steps, with no I/O and
/// no clock, like CKE's strategy. The leader runs it whenever something it reads changes, carries
/// out the batch through the agents, and runs it again.
///
/// One phase at a time, in this order; the first phase with something to do decides the batch:
/// 1. **etcd membership**: bootstrap; then one change at a time (add a learner, promote it,
///    remove a member), never one that would leave fewer healthy voters than a quorum.
/// 2. **control-plane components** on every voter; removed from machines that left etcd.
/// 3. **control-plane upgrades**, one machine at a time, only while every voter is healthy.
/// 4. **workers**: remove those retiring, retired or no longer selected; add qualifying ones up
///    to the spec's maximum.
/// 5. **worker upgrades**, a tenth of them at a time, once the control plane runs the version.
///
/// Nothing is decided while steps are still running. A step that failed is decided again (the
/// same ``Step/id``, so the agents do not repeat what already succeeded) up to ``attemptsMax``
/// times; then it is reported as blocked and not retried.
public struct Planner: Sendable {
    /// How often a failing step is tried.
    public static let attemptsMax = 3
    /// Machine states that mean a machine is gone for good or broken: its etcd member is replaced.
    /// (`updating` is an operator's short maintenance: the member is kept and waited for.)
    static let replacedStates: Set<MachineState> = [.unhealthy, .unreachable, .retiring, .retired]

    public let spec: ClusterSpec
    public let world: World
    /// The world's machines by serial.
    let index: [String: World.Machine]

    public init(spec: ClusterSpec, world: World) {
        self.spec = spec
        self.world = world
        index = Dictionary(world.machines.map { ($0.serial, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The machine with `serial`, if the inventory has it.
    func machine(_ serial: String) -> World.Machine? { index[serial] }

    /// The next batch.
    public func decide() -> Decision {
        var decision = Decision()
        if !world.running.isEmpty {
            decision.waiting.append("\(world.running.count) step(s) still running: " + world.running.map(\.description).joined(separator: "; "))
            return decision
        }
        decision.blocked += workerShortage()
        for phase in [etcdPhase, controlPlanePhase, controlPlaneUpgradePhase, workerPhase, workerUpgradePhase] {
            let outcome = phase()
            decision.waiting += outcome.waiting
            decision.blocked += outcome.blocked
            let steps = admit(outcome.steps, into: &decision)
            if outcome.stop || !outcome.steps.isEmpty {
                decision.steps = steps
                return decision
            }
        }
        return decision
    }

    /// What one phase found.
    struct Outcome {
        var steps: [Step] = []
        var waiting: [String] = []
        var blocked: [String] = []
        /// Later phases must not run (the cluster is not in a state to build on).
        var stop = false
    }

    /// The steps that may run, given their failures; the rest are reported.
    private func admit(_ steps: [Step], into decision: inout Decision) -> [Step] {
        steps.filter { step in
            guard let failure = world.failures[step.id] else { return true }
            if failure.attempts >= Self.attemptsMax {
                decision.blocked.append(
                    "\(step) failed \(failure.attempts) times (last: \(failure.lastError)); it is not tried again until the failure is cleared")
                return false
            }
            decision.waiting.append("retrying \(step): attempt \(failure.attempts + 1) of \(Self.attemptsMax) (last: \(failure.lastError))")
            return true
        }
    }

    /// The smallest majority of `n` voters.
    static func quorum(_ n: Int) -> Int { n / 2 + 1 }

    /// Whether the machine is one the cluster can count on now.
    func isHealthy(_ serial: String) -> Bool { machine(serial)?.state == .healthy }

    /// Whether the machine is gone or broken for good (absent from the inventory included).
    func isReplaced(_ serial: String) -> Bool { machine(serial).map { Self.replacedStates.contains($0.state) } ?? true }

    /// A role's weight (CKE's preference among control-plane candidates).
    func weight(_ machine: World.Machine) -> Double { spec.controlPlane.weights[machine.role] ?? 1 }

    /// `count` machines from `candidates`, spread over racks: each pick goes to the rack with
    /// the fewest members so far (`occupied` counts those already placed), then to a rack not in
    /// `avoiding` (where a member failed), then the heaviest role, then the lowest serial.
    func place(_ count: Int, from candidates: [World.Machine], occupied: [Int: Int] = [:], avoiding: Set<Int> = []) -> [World.Machine] {
        // Each rack's candidates in the order they are taken; a pick compares only the racks' heads.
        var racks = Dictionary(grouping: candidates, by: \.rack).mapValues { machines in
            machines.sorted { weight($0) != weight($1) ? weight($0) > weight($1) : $0.serial < $1.serial }[...]
        }
        var occupied = occupied
        var chosen: [World.Machine] = []
        func key(_ m: World.Machine) -> (Int, Int, Double) { (occupied[m.rack, default: 0], avoiding.contains(m.rack) ? 1 : 0, -weight(m)) }
        while chosen.count < count, let best = racks.values.compactMap(\.first).min(by: { a, b in key(a) != key(b) ? key(a) < key(b) : a.serial < b.serial }) {
            chosen.append(best)
            occupied[best.rack, default: 0] += 1
            racks[best.rack]?.removeFirst()
        }
        return chosen
    }

    /// Too few machines qualify as workers.
    private func workerShortage() -> [String] {
        let members = Set(world.etcd.map(\.serial))
        let qualify = world.machines.filter {
            spec.workers.select.matches($0) && !members.contains($0.serial) && $0.state != .retiring && $0.state != .retired
        }
        guard qualify.count < spec.workers.min else { return [] }
        return [
            "workers: \(qualify.count) machine(s) qualify (roles \(spec.workers.select.roles.joined(separator: ", "))), the spec's minimum is \(spec.workers.min)"
        ]
    }
}

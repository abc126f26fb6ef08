import Foundation
import KibanInstaller
import KibanInventory

// The installer planner's decision time (`make bench`, bench/bench-installer.sh): MACHINES
// (1,000) machines in RACKS (5) racks, every one a control-plane and worker candidate. Figures:
// each decision while a cluster is built from nothing (bootstrap, control plane, every worker),
// a decision on the built cluster (the common case: nothing to do), and the decision that
// replaces an unreachable control-plane machine.

let arguments = CommandLine.arguments
let machines = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
let racks = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
// Literals that parse by construction.
guard let services = IPv4Network("10.96.0.0/16"), let pods = IPv4Network("10.64.0.0/14"), let dns = IPv4("10.96.0.10") else { fatalError("bad literal") }
let spec = ClusterSpec(
    name: "bench", kubernetesVersion: "1.31.2", controlPlane: .init(count: 5, select: MachineSelector(roles: ["cs"])),
    workers: .init(select: MachineSelector(roles: ["cs"]), min: 0, max: machines), serviceSubnet: services, podSubnet: pods,
    clusterDNS: dns, etcd: .init(version: "3.5.16"))
var world = World(machines: (0..<machines).map { World.Machine(serial: String(format: "m%05d", $0), rack: $0 % racks, role: "cs", state: .healthy) })

func timed(_ body: () -> Decision) -> (Decision, Double) {
    let start = ContinuousClock.now
    let decision = body()
    let elapsed = ContinuousClock.now - start
    return (decision, Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
}

func summary(_ ms: [Double]) -> String {
    let s = ms.sorted()
    return String(format: "median %.2f ms, max %.2f ms", s[s.count / 2], s[s.count - 1])
}

var build: [Double] = []
var batches: [Int] = []
for _ in 0..<50 {
    let (decision, ms) = timed { Planner(spec: spec, world: world).decide() }
    guard !decision.steps.isEmpty else { break }
    build.append(ms)
    batches.append(decision.steps.count)
    world = world.applying(decision.steps)
}
print(
    "build a cluster of \(machines) machines in \(racks) racks from nothing: \(build.count) decisions (batches of \(batches.map(String.init).joined(separator: ", ")) steps), \(summary(build))"
)
let steady = (0..<50).map { _ in timed { Planner(spec: spec, world: world).decide() }.1 }
print("a decision on the built cluster (nothing to do), 50 runs: \(summary(steady))")
if let i = world.machines.firstIndex(where: { $0.serial == world.etcd.first?.serial }) { world.machines[i].state = .unreachable }
let (replace, ms) = timed { Planner(spec: spec, world: world).decide() }
print(String(format: "a control-plane machine unreachable: %@ in %.2f ms", replace.steps.map(\.description).joined(separator: "; "), ms))

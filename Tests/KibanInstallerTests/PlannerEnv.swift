import KibanInstaller
import KibanInventory

/// The commands of the planner's golden transcripts (testdata/*.txt):
///
///     spec cp=3 cp-roles=cs workers=cs,ss min=1 max=10 version=1.31.2 weights=ss:2 cp-labels=k=v
///     machines RACKS PER-RACK [role=cs] [state=healthy]   # serials rR-I
///     machine SERIAL rack=N [role=cs] [state=healthy] [label=k=v]
///     state SERIAL STATE | forget SERIAL (out of the inventory)
///     etcd SERIAL healthy|unhealthy                          # a member's own health
///     decide        # prints the decision and keeps it
///     apply         # the kept decision's steps succeed
///     fail TEXT     # the kept decision's steps fail once with TEXT
///     run           # the kept decision's steps are running
///     finish        # the running steps succeed
///     converge      # decide and apply until nothing is left (at most 40 rounds), one line a round
struct PlannerEnv {
    var spec = ClusterSpec(
        name: "dc1", kubernetesVersion: "1.31.2",
        controlPlane: .init(count: 3, select: MachineSelector(roles: ["cs"])),
        workers: .init(select: MachineSelector(roles: ["cs"]), min: 0, max: 100),
        serviceSubnet: IPv4Network("10.96.0.0/16")!, podSubnet: IPv4Network("10.64.0.0/14")!, clusterDNS: IPv4("10.96.0.10")!,
        etcd: .init(version: "3.5.16"))
    var world = World()
    var last = Decision()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    mutating func run(_ line: String) throws -> String {
        let words = line.split(separator: " ").map(String.init)
        let options = Dictionary(
            words.dropFirst().compactMap { w in
                w.split(separator: "=", maxSplits: 1).count == 2
                    ? (String(w.split(separator: "=", maxSplits: 1)[0]), String(w.split(separator: "=", maxSplits: 1)[1])) : nil
            }, uniquingKeysWith: { $1 })
        switch words.first {
        case "spec": try setSpec(options)
        case "machines":
            guard words.count >= 3, let racks = Int(words[1]), let per = Int(words[2]) else { throw Failure(description: "machines RACKS PER-RACK") }
            for r in 0..<racks {
                for i in 0..<per { world.machines.append(try machine("r\(r)-\(i)", rack: r, options)) }
            }
        case "machine": world.machines.append(try machine(words[1], rack: Int(options["rack"] ?? "") ?? 0, options))
        case "state":
            guard let state = MachineState(rawValue: words[2]), let i = world.machines.firstIndex(where: { $0.serial == words[1] }) else {
                throw Failure(description: line)
            }
            world.machines[i].state = state
        case "forget": world.machines.removeAll { $0.serial == words[1] }
        case "etcd":
            guard let i = world.etcd.firstIndex(where: { $0.serial == words[1] }) else { throw Failure(description: "no etcd member \(words[1])") }
            world.etcd[i].healthy = words[2] == "healthy"
        case "decide":
            last = Planner(spec: spec, world: world).decide()
            return last.description
        case "apply": world = world.applying(last.steps)
        case "fail":
            for step in last.steps {
                world.failures[step.id, default: .init(attempts: 0, lastError: "")].attempts += 1
                world.failures[step.id]?.lastError = words.dropFirst().joined(separator: " ")
            }
        case "run": world.running = last.steps
        case "finish":
            world = world.applying(world.running)
            world.running = []
        case "converge": return converge()
        default: throw Failure(description: "unknown command: \(line)")
        }
        return ""
    }

    private mutating func converge() -> String {
        var lines: [String] = []
        for round in 1...40 {
            last = Planner(spec: spec, world: world).decide()
            guard !last.steps.isEmpty else { break }
            lines.append("\(round): " + last.steps.map(\.description).joined(separator: "; "))
            world = world.applying(last.steps)
        }
        let rest = Decision(waiting: last.waiting, blocked: last.blocked).description
        return (lines + [rest]).joined(separator: "\n")
    }

    private func machine(_ serial: String, rack: Int, _ o: [String: String]) throws -> World.Machine {
        guard let state = MachineState(rawValue: o["state"] ?? "healthy") else { throw Failure(description: "bad state \(o["state"] ?? "")") }
        let labels =
            o["label"].map { l in
                Dictionary(uniqueKeysWithValues: [l.split(separator: "=", maxSplits: 1).map(String.init)].map { ($0[0], $0.count > 1 ? $0[1] : "") })
            } ?? [:]
        return World.Machine(serial: serial, rack: rack, role: o["role"] ?? "cs", labels: labels, state: state)
    }

    private mutating func setSpec(_ o: [String: String]) throws {
        func list(_ k: String) -> [String]? { o[k].map { $0.split(separator: ",").map(String.init) } }
        if let v = o["cp"].flatMap(Int.init) { spec.controlPlane.count = v }
        if let v = list("cp-roles") { spec.controlPlane.select.roles = v }
        if let v = o["cp-labels"] {
            let kv = v.split(separator: "=", maxSplits: 1).map(String.init)
            spec.controlPlane.select.labels = [kv[0]: kv.count > 1 ? kv[1] : ""]
        }
        if let v = list("weights") {
            spec.controlPlane.weights = Dictionary(
                uniqueKeysWithValues: v.map { w in
                    let p = w.split(separator: ":").map(String.init)
                    return (p[0], Double(p.count > 1 ? p[1] : "1") ?? 1)
                })
        }
        if let v = list("workers") { spec.workers.select.roles = v }
        if let v = o["min"].flatMap(Int.init) { spec.workers.min = v }
        if let v = o["max"].flatMap(Int.init) { spec.workers.max = v }
        if let v = o["version"] { spec.kubernetesVersion = v }
        guard spec.problems.isEmpty else { throw Failure(description: spec.problems.joined(separator: "; ")) }
    }
}

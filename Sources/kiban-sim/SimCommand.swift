import ArgumentParser
import KibanRaft
import KibanRaftSimulation

/// Runs the deterministic Raft simulation from the command line, to replay a failing seed with
/// its trace or to run many seeds.
@main
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiban-sim",
        abstract: "Run seeded Raft simulations with faults and safety checkers.",
        discussion: """
            Every run is fixed by its seed: cluster size, fault rates and schedule. A failing
            test prints the exact command that replays it here, e.g.
              swift run -c release kiban-sim --seed 1234 --trace
            """
    )

    @Option(help: "Run this one seed.")
    var seed: UInt64?

    @Option(help: "Run this many consecutive seeds.")
    var seeds: Int = 1000

    @Option(help: "The first seed of a multi-seed run.")
    var firstSeed: UInt64 = 0

    @Option(help: "Switch on a deliberately unsafe behaviour: \(UnsafeVariant.allCases.map { "\($0)" }.joined(separator: ", ")).")
    var unsafe: [String] = []

    @Flag(help: "Use the adversarial profile (leader-targeted faults, one entry per append).")
    var adversarial = false

    @Flag(help: "Print every action of the run (single seed only).")
    var trace = false

    func run() throws {
        var variants = Set<UnsafeVariant>()
        for name in unsafe {
            guard let v = UnsafeVariant.allCases.first(where: { "\($0)" == name }) else {
                throw ValidationError("unknown unsafe variant \(name)")
            }
            variants.insert(v)
        }
        if let seed {
            try runOne(seed: seed, unsafe: variants)
            return
        }
        let (failures, totals) = SeedRunner.run(first: firstSeed, count: seeds, unsafe: variants, adversarial: adversarial)
        for f in failures { print(f) }
        print("totals: \(totals)")
        print("\(seeds - failures.count) passed, \(failures.count) failed")
        if !failures.isEmpty { throw ExitCode.failure }
    }

    private func runOne(seed: UInt64, unsafe: Set<UnsafeVariant>) throws {
        var options = adversarial ? SimulationOptions.adversarial(seed: seed) : SimulationOptions(seed: seed)
        options.unsafeVariants = unsafe
        var sim = Simulation(options: options)
        let log = TraceLog()
        if trace { sim.trace = log }
        let result = sim.run()
        for line in log.lines { print(line) }
        print("options: \(options)")
        switch result {
        case .success(let stats):
            print("ok: \(stats)")
        case .failure(let violation):
            print("VIOLATION: \(violation)")
            throw ExitCode.failure
        }
    }
}

package import KibanRaft

/// Runs consecutive seeds and reports the first failure with the command that replays it.
package enum SeedRunner {
    /// The outcome of one seed.
    package struct Failure: Sendable, CustomStringConvertible {
        package var options: SimulationOptions
        package var violation: Violation
        package var adversarial: Bool

        /// The one-line command that replays this run exactly, with its trace.
        package var replayCommand: String {
            let unsafe = options.unsafeVariants.map { " --unsafe \($0)" }.sorted().joined()
            let profile = adversarial ? " --adversarial" : ""
            return "swift run -c release kiban-sim --seed \(options.seed)\(profile)\(unsafe) --trace"
        }

        package var description: String {
            "\(violation)\n  options: \(options)\n  replay:  \(replayCommand)"
        }
    }

    /// Runs `count` seeds from `first`; returns the failures and the summed statistics of the
    /// runs that passed.
    package static func run(
        first: UInt64, count: Int, unsafe: Set<UnsafeVariant> = [],
        adversarial: Bool = false,
        stopAtFirstFailure: Bool = false
    ) -> (failures: [Failure], totals: SimulationStats) {
        var failures: [Failure] = []
        var totals = SimulationStats()
        for seed in first..<first + UInt64(count) {
            var options = adversarial ? SimulationOptions.adversarial(seed: seed) : SimulationOptions(seed: seed)
            options.unsafeVariants = unsafe
            var sim = Simulation(options: options)
            switch sim.run() {
            case .success(let stats):
                totals.add(stats)
            case .failure(let violation):
                failures.append(Failure(options: options, violation: violation, adversarial: adversarial))
                if stopAtFirstFailure { return (failures, totals) }
            }
        }
        return (failures, totals)
    }
}

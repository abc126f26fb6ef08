package import KibanRaft

/// Runs consecutive seeds and reports the first failure with the command that replays it.
package enum SeedRunner {
    /// The outcome of one seed.
    package struct Failure: Sendable, CustomStringConvertible {
        package var options: SimulationOptions
        package var violation: Violation

        /// The one-line command that replays this run exactly, with its trace.
        package var replayCommand: String {
            let unsafe = options.unsafeVariants.map { " --unsafe \($0)" }.sorted().joined()
            return "swift run -c release kiban-sim --seed \(options.seed)\(unsafe) --trace"
        }

        package var description: String {
            "\(violation)\n  options: \(options)\n  replay:  \(replayCommand)"
        }
    }

    /// Runs `count` seeds from `first`; returns the failures and the total steps simulated.
    package static func run(first: UInt64, count: Int, unsafe: Set<UnsafeVariant> = [],
                            stopAtFirstFailure: Bool = false) -> (failures: [Failure], steps: Int) {
        var failures: [Failure] = []
        var steps = 0
        for seed in first..<first + UInt64(count) {
            var options = SimulationOptions(seed: seed)
            options.unsafeVariants = unsafe
            var sim = Simulation(options: options)
            switch sim.run() {
            case .success(let stats):
                steps += stats.steps
            case .failure(let violation):
                failures.append(Failure(options: options, violation: violation))
                if stopAtFirstFailure { return (failures, steps) }
            }
        }
        return (failures, steps)
    }
}

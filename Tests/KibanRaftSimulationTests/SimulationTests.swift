import Foundation
import KibanRaft
import KibanRaftSimulation
import Testing

/// Seeds from the environment: `KIBAN_SIM_TEST_SEEDS=N` seeds (default 200; `make sim` runs the
/// large release-mode sweep) starting at `KIBAN_SIM_FIRST_SEED=S`.
enum SeedPlan {
    static let environment = ProcessInfo.processInfo.environment
    static let count = environment["KIBAN_SIM_TEST_SEEDS"].flatMap(Int.init) ?? 200
    static let first = environment["KIBAN_SIM_FIRST_SEED"].flatMap(UInt64.init) ?? 0
    static let shards = 8

    /// The seeds of one shard (shards run in parallel).
    static func range(shard: Int) -> (first: UInt64, count: Int) {
        let per = (count + shards - 1) / shards
        let start = shard * per
        return (first + UInt64(start), max(0, min(per, count - start)))
    }
}

@Suite("Deterministic simulation")
struct SimulationTests {
    @Test(
        "Seeded runs keep every safety property under faults and converge after healing",
        arguments: 0..<SeedPlan.shards)
    func seededRuns(shard: Int) {
        let (first, count) = SeedPlan.range(shard: shard)
        let mixed = SeedRunner.run(first: first, count: count)
        // A quarter as many again with the leader-targeted profile.
        let adversarial = SeedRunner.run(first: first, count: count / 4, adversarial: true)
        for failure in mixed.failures + adversarial.failures {
            Issue.record("\(failure)")
        }
        #expect(mixed.totals.runs + adversarial.totals.runs == count + count / 4)
    }

    @Test(
        "Each deliberately unsafe variant is caught, first, by the checker aimed at it",
        arguments: UnsafeVariant.allCases)
    func unsafeVariantIsCaught(variant: UnsafeVariant) throws {
        // The first failing seed of the mixed profile, else of the leader-targeted one. The runs
        // are deterministic, so the seed found is the same on every machine.
        var found = SeedRunner.run(first: 0, count: 300, unsafe: [variant], stopAtFirstFailure: true).failures
        if found.isEmpty {
            found =
                SeedRunner.run(
                    first: 0, count: 2_000, unsafe: [variant], adversarial: true,
                    stopAtFirstFailure: true
                ).failures
        }
        let failure = try #require(found.first, "no seed exposed \(variant)")
        // Keep the evidence in the test log: which property broke and how to replay it.
        print("\(variant) caught at seed \(failure.options.seed): \(failure.violation.property.rawValue) — \(failure.replayCommand)")
        #expect(
            failure.violation.property == variant.targetedProperty,
            "\(variant) must break \(variant.targetedProperty.rawValue) first: \(failure)")
    }

    @Test("Every property the simulator checks has an unsafe variant that breaks it")
    func everyCheckerHasAVariant() {
        let targeted = Set(UnsafeVariant.allCases.map(\.targetedProperty))
        #expect(targeted == Set(Violation.Property.allCases))
    }

    @Test("A seed replays exactly: the same trace action for action")
    func replayIsExact() {
        for seed: UInt64 in [3, 17, 42] {
            let a = trace(seed: seed)
            let b = trace(seed: seed)
            #expect(a.count > 50)
            #expect(a == b, "seed \(seed) diverged on replay")
        }
    }

    @Test("The faults the simulator promises actually happen across seeds")
    func faultsHappen() {
        let totals = SeedRunner.run(first: 1_000, count: 60).totals
        #expect(totals.crashes > 0)
        #expect(totals.partitions > 0)
        #expect(totals.membershipChanges > 0)
        #expect(totals.transfers > 0)
        #expect(totals.snapshotsInstalled > 0)
        #expect(totals.compactions > 0)
        #expect(totals.readsReleased > 0)
        #expect(totals.duplicatesSkipped > 0)
        #expect(totals.elections > totals.runs)
        #expect(totals.proposalsAcknowledged > 1_000)
    }

    private func trace(seed: UInt64) -> [String] {
        var sim = Simulation(options: SimulationOptions(seed: seed))
        let log = TraceLog()
        sim.trace = log
        _ = sim.run()
        return log.lines
    }
}

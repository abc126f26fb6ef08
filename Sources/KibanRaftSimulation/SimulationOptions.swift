package import KibanRaft

/// Everything one simulated run does, drawn from its seed: cluster shape, fault rates, lengths.
/// Faults are plain options, so a test can also set them by hand.
package struct SimulationOptions: Sendable, CustomStringConvertible {
    package var seed: UInt64
    package var voters: Int
    package var learners: Int
    /// Probability that a message is dropped / delivered twice.
    package var lossRate: Double
    package var duplicateRate: Double
    /// Messages take 1...maxDelaySteps steps; different delays reorder them.
    package var maxDelaySteps: Int
    /// Per step: probability that the partition changes (new random cut, one-way cut, heal).
    package var partitionRate: Double
    /// Per step and live node: probability of a crash; per step and dead node: of a restart.
    package var crashRate: Double
    /// Per step: probability of a fault aimed at the current leader (crash it, or cut it off).
    package var leaderNemesisRate: Double
    /// Upper bound on an append message's entry bytes; 1 means one entry per message.
    package var messageBytesMax: Int
    package var restartRate: Double
    /// Per step: probability of a client proposal, a read, a membership change, a transfer,
    /// a log compaction on some node.
    package var proposeRate: Double
    package var readRate: Double
    package var membershipRate: Double
    package var transferRate: Double
    package var compactRate: Double
    /// Whether leaders send their appends, heartbeats and snapshots before persisting (the
    /// optimisation ``Ready`` allows) rather than after.
    package var leaderSendsBeforePersist: Bool
    /// Per step and node: probability that the node processes its Ready now rather than later
    /// (later means unpersisted state a crash can lose).
    package var readyRate: Double
    /// Steps per logical tick.
    package var stepsPerTick: Int = 4
    package var electionTimeoutTicks: Int = 10
    /// Length of the fault phase, and the bound on the heal-and-converge phase.
    package var safetySteps: Int
    package var livenessSteps: Int
    /// Proposals the liveness phase requires to commit everywhere.
    package var livenessProposals: Int = 5
    /// Deliberately broken Raft behaviours (for showing the checkers work).
    package var unsafeVariants: Set<UnsafeVariant> = []

    /// Draws options from `seed`.
    package init(seed: UInt64) {
        var r = SimRandom(seed: seed ^ 0x5EED_0F0_0C0FF_EE)
        self.seed = seed
        voters = r.int(1...5)
        learners = r.int(0...2) == 2 ? 1 : 0
        lossRate = r.pick([0, 0.01, 0.05, 0.1, 0.2])
        duplicateRate = r.pick([0, 0.01, 0.05])
        maxDelaySteps = r.pick([1, 2, 4, 8])
        partitionRate = r.pick([0, 0.002, 0.01])
        crashRate = r.pick([0, 0.0005, 0.002])
        restartRate = 0.02
        leaderNemesisRate = r.pick([0, 0.002, 0.01])
        messageBytesMax = r.pick([1, 64, 512, 1 << 20])
        proposeRate = r.pick([0.05, 0.2, 0.5])
        readRate = r.pick([0, 0.05])
        membershipRate = r.pick([0, 0.003, 0.01])
        transferRate = r.pick([0, 0.002])
        compactRate = r.pick([0, 0.01, 0.05])
        readyRate = r.pick([0.5, 0.9, 1.0])
        leaderSendsBeforePersist = r.pick([false, true])
        safetySteps = 1600
        livenessSteps = 4000
    }

    /// Options aimed at leader changes with partly replicated logs (the Figure 8 shape): five
    /// voters, one entry per append, frequent crashes and cuts of the leader, deferred Readies.
    package static func adversarial(seed: UInt64) -> SimulationOptions {
        var o = SimulationOptions(seed: seed)
        o.voters = [3, 5][Int(seed % 2)]
        o.learners = 0
        o.messageBytesMax = 1
        o.leaderNemesisRate = 0.02
        o.crashRate = 0.002
        o.partitionRate = 0.01
        o.proposeRate = 0.5
        o.membershipRate = 0
        o.readyRate = 0.5
        o.lossRate = 0.05
        return o
    }

    package var description: String {
        "seed=\(seed) voters=\(voters) learners=\(learners) loss=\(lossRate) dup=\(duplicateRate) "
            + "delay<=\(maxDelaySteps) partition=\(partitionRate) crash=\(crashRate) nemesis=\(leaderNemesisRate) "
            + "msgbytes=\(messageBytesMax) propose=\(proposeRate) "
            + "read=\(readRate) membership=\(membershipRate) transfer=\(transferRate) compact=\(compactRate) "
            + "ready=\(readyRate) early=\(leaderSendsBeforePersist) unsafe=\(unsafeVariants.map { "\($0)" }.sorted())"
    }
}

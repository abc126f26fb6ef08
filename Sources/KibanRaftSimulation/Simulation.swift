package import KibanRaft

/// What a run did, for reports and for tests that want evidence the faults happened.
package struct SimulationStats: Sendable {
    package var steps = 0
    package var elections = 0
    package var maxTerm: UInt64 = 0
    package var crashes = 0
    package var partitions = 0
    package var membershipChanges = 0
    package var transfers = 0
    package var snapshotsInstalled = 0
    package var compactions = 0
    package var proposalsAcknowledged = 0
    package var readsReleased = 0
    package var duplicatesSkipped = 0
    /// Ticks from healing to the first stable leader.
    package var ticksToLeaderAfterHeal = 0
    /// Runs summed into this value.
    package var runs = 0

    package init() {}

    /// Adds another run's figures (the maximum for terms and times to a leader).
    package mutating func add(_ o: SimulationStats) {
        steps += o.steps
        elections += o.elections
        maxTerm = max(maxTerm, o.maxTerm)
        crashes += o.crashes
        partitions += o.partitions
        membershipChanges += o.membershipChanges
        transfers += o.transfers
        snapshotsInstalled += o.snapshotsInstalled
        compactions += o.compactions
        proposalsAcknowledged += o.proposalsAcknowledged
        readsReleased += o.readsReleased
        duplicatesSkipped += o.duplicatesSkipped
        ticksToLeaderAfterHeal = max(ticksToLeaderAfterHeal, o.ticksToLeaderAfterHeal)
        runs += max(o.runs, 1)
    }
}

/// A deterministic simulation of a Raft group: one seed drives the cluster shape, the faults
/// and the schedule; the checkers of ``SafetyChecker`` run after every step. A run is a fault
/// phase (``SimulationOptions/safetySteps``) followed by heal-and-converge.
package struct Simulation {
    package let options: SimulationOptions
    var random: SimRandom
    var nodes: [NodeID: SimNode] = [:]
    var network = SimNetwork()
    var checker = SafetyChecker()
    var stats = SimulationStats()
    var now = 0
    /// False once the run heals: no more crashes, cuts, loss or duplication.
    var faultsActive = true
    var nextNodeID: NodeID = 1
    var proposalSequence = 0
    /// Proposal payload → the node it was proposed on (the client that waits for it).
    var proposer: [[UInt8]: NodeID] = [:]
    /// Payloads the proposing node saw applied: what a client was told succeeded.
    var acknowledged: Set<[UInt8]> = []
    /// Per node: payloads its state machine applied (duplicates in the log are skipped).
    var appliedPayloads: [NodeID: Set<[UInt8]>] = [:]
    /// When set, every action is appended to it (for replaying a failure).
    package var trace: TraceLog?
    /// When set, every message sent is appended to it (for codec tests on real traffic).
    package var sentMessages: MessageLog?

    /// Creates a simulation from options (usually ``SimulationOptions/init(seed:)``).
    package init(options: SimulationOptions) {
        self.options = options
        random = SimRandom(seed: options.seed)
        network.lossRate = options.lossRate
        network.duplicateRate = options.duplicateRate
        network.maxDelaySteps = options.maxDelaySteps
        let voters = Set((0..<options.voters).map { _ in allocateID() })
        let learners = Set((0..<options.learners).map { _ in allocateID() })
        let conf = ConfState(voters: voters, learners: learners)
        for id in conf.members.sorted() {
            nodes[id] = SimNode(id: id, storage: MemoryStorage(bootstrap: conf))
            start(id)
        }
    }

    mutating func allocateID() -> NodeID {
        defer { nextNodeID += 1 }
        return nextNodeID
    }

    var ids: [NodeID] { nodes.keys.sorted() }
    var upIDs: [NodeID] { ids.filter { nodes[$0]?.isUp == true } }

    func log(_ line: @autoclosure () -> String) {
        trace?.lines.append("[\(now)] \(line())")
    }

    /// Runs both phases; returns the statistics, or the first violation.
    package mutating func run() -> Result<SimulationStats, Violation> {
        do {
            for _ in 0..<options.safetySteps {
                try faultStep()
            }
            try healAndConverge()
            try checkAcknowledgedEverywhere()
            stats.steps = now
            return .success(stats)
        } catch {
            return .failure(error)
        }
    }

    /// One step of the fault phase.
    mutating func faultStep() throws(Violation) {
        now += 1
        checker.step = now
        injectFaults()
        try clientActions()
        try deliverAndTick()
        for id in upIDs where random.chance(options.readyRate) {
            try processReady(id)
        }
    }

    /// Delivers due messages and, on tick boundaries, ticks every running node.
    mutating func deliverAndTick() throws(Violation) {
        let due = network.due(now: now)
        try checker.observeDue(due.count)
        for m in due where nodes[m.to]?.isUp == true {
            try withNode(m.to) { $0.step(m) }
        }
        if now % options.stepsPerTick == 0 {
            for id in upIDs {
                try withNode(id) { $0.tick() }
            }
        }
    }

    /// Calls into a running node, then runs the per-step checkers on it.
    mutating func withNode(_ id: NodeID, _ body: (inout RawNode) throws(RaftError) -> Void) throws(Violation) {
        guard var raft = nodes[id]?.raft else { return }
        let before = (role: raft.role, term: raft.term, commit: raft.commitIndex)
        do {
            try body(&raft)
        } catch {
            log("node \(id): \(error)")
        }
        if raft.role == .leader && (before.role != .leader || before.term != raft.term) {
            stats.elections += 1
            log("node \(id) leads term \(raft.term)")
        }
        stats.maxTerm = max(stats.maxTerm, raft.term)
        try checker.observe(raft, before: before)
        nodes[id]?.raft = raft
    }

    /// Starts (or restarts) a node from its disk.
    mutating func start(_ id: NodeID) {
        guard var node = nodes[id] else { return }
        if let snapshot = try? node.storage.snapshot(), snapshot.metadata.index > node.appliedIndex {
            node.restore(snapshot)
        }
        var config = Config(id: id)
        config.electionTimeoutTicks = options.electionTimeoutTicks
        config.applied = node.appliedIndex
        config.messageBytesMax = options.messageBytesMax
        config.inflightMessagesMax = 1 + Int(random.next() % 8)
        config.unsafeVariants = options.unsafeVariants
        // Cannot fail: the configuration above is valid by construction.
        node.raft = try? RawNode(config: config, storage: node.storage, random: random.fork())
        node.commitSeen = node.raft?.commitIndex ?? 0
        appliedPayloads[id] = Set(node.applied.values.filter { $0.kind == .normal }.map(\.data))
        nodes[id] = node
        log("node \(id) started at applied \(node.appliedIndex)")
    }
}

/// The lines of a traced run. A class so that logging does not need exclusive access to the
/// simulation; one simulation owns it.
package final class TraceLog {
    /// The lines so far.
    package var lines: [String] = []

    /// Creates an empty trace.
    package init() {}
}

/// The messages of a run, for tests that need real Raft traffic.
package final class MessageLog {
    /// The messages so far, in sending order.
    package var messages: [Message] = []

    /// Creates an empty log.
    package init() {}
}

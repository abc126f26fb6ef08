import KibanRaft
import Testing

/// Single rules of the algorithm, each checked by driving real nodes through ``InteractionEnv``
/// or by stepping one node directly.
@Suite("Raft rules")
struct RaftRulesTests {
    /// A node of a three-voter group at term 1 that has never voted.
    private func follower(id: NodeID = 2, checkQuorum: Bool = true) throws -> RawNode {
        var config = Config(id: id)
        config.checkQuorum = checkQuorum
        return try RawNode(
            config: config, storage: MemoryStorage(bootstrap: ConfState(voters: [1, 2, 3])),
            random: FixedRandom(seed: id))
    }

    private func voteRequest(from: NodeID, term: UInt64, lastIndex: UInt64, lastTerm: UInt64) -> Message {
        var m = Message(kind: .vote, from: from, to: 2, term: term)
        m.logIndex = lastIndex
        m.logTerm = lastTerm
        return m
    }

    @Test("A voter refuses a candidate whose log is behind its own (§5.4.1)")
    func refusesStaleLog() throws {
        let storage = MemoryStorage(bootstrap: ConfState(voters: [1, 2, 3]))
        var config = Config(id: 2)
        config.checkQuorum = false
        var node = try RawNode(config: config, storage: storage, random: FixedRandom(seed: 2))
        // A leader of term 2 gives node 2 an entry of term 2 at index 2.
        var append = Message(kind: .append, from: 1, to: 2, term: 2)
        append.logIndex = 1
        append.logTerm = 1
        append.entries = [Entry(term: 2, index: 2)]
        node.step(append)
        let rd = node.ready()
        storage.append(rd.entries)
        node.advance(rd)
        node.step(voteRequest(from: 3, term: 3, lastIndex: 1, lastTerm: 1))
        let answer = node.ready().messages.first { $0.kind == .voteResponse }
        #expect(answer?.reject == true)
        #expect(node.term == 3)
    }

    @Test("A vote is persisted (hard state, must sync) in the same Ready that carries the grant")
    func voteIsPersistedBeforeItIsSent() throws {
        var node = try follower(checkQuorum: false)
        node.step(voteRequest(from: 3, term: 2, lastIndex: 1, lastTerm: 1))
        let rd = node.ready()
        #expect(rd.hardState?.vote == 3)
        #expect(rd.hardState?.term == 2)
        #expect(rd.mustSync)
        #expect(rd.messages.contains { $0.kind == .voteResponse && !$0.reject && $0.to == 3 })
    }

    @Test("A voter grants one vote per term")
    func oneVotePerTerm() throws {
        var node = try follower(checkQuorum: false)
        node.step(voteRequest(from: 3, term: 2, lastIndex: 1, lastTerm: 1))
        node.step(voteRequest(from: 1, term: 2, lastIndex: 1, lastTerm: 1))
        let answers = node.ready().messages.filter { $0.kind == .voteResponse }
        #expect(answers.map(\.reject) == [false, true])
    }

    @Test("A follower that hears from a leader ignores a higher-term vote request (check-quorum lease)")
    func leaseIgnoresDisruptiveVotes() throws {
        var node = try follower()
        var heartbeat = Message(kind: .heartbeat, from: 1, to: 2, term: 2)
        heartbeat.commit = 1
        node.step(heartbeat)
        node.step(voteRequest(from: 3, term: 5, lastIndex: 9, lastTerm: 4))
        #expect(node.term == 2)
        #expect(node.leader == 1)
        #expect(!node.ready().messages.contains { $0.kind == .voteResponse })
    }

    @Test("A new leader refuses a membership change until it commits an entry of its term")
    func membershipWaitsForOwnTermCommit() throws {
        var env = InteractionEnv()
        _ = try env.run("add-nodes 3")
        _ = try env.run("isolate 1")
        _ = try env.run("campaign 1")
        // Votes cannot arrive while isolated; make node 1 leader through a one-voter path instead:
        // heal, win the election, but refuse the change before any acknowledgement arrives.
        _ = try env.run("heal")
        env.inbox = []
        try env.stabilizeUntilLeader(1)
        #expect(env.nodes[1]?.raft?.role == .leader)
        #expect(throws: RaftError.self) {
            try env.nodes[1]?.raft?.proposeConfChange(.addLearner(4))
        }
        try env.stabilize()
        try env.nodes[1]?.raft?.proposeConfChange(.addLearner(4))
    }

    @Test(
        "A change that does not fit the configuration is refused with the reason",
        arguments: [ConfChange.promote(2), .remove(9), .addLearner(3)])
    func invalidChangesRefused(change: ConfChange) throws {
        var env = InteractionEnv()
        _ = try env.run("add-nodes 3")
        _ = try env.run("campaign 1")
        try env.stabilize()
        do {
            try env.nodes[1]?.raft?.proposeConfChange(change)
            Issue.record("\(change) was accepted")
        } catch {
            #expect(error.code == .invalidConfigChange)
        }
    }

    @Test("A restarted node derives its configuration from the stored log")
    func restartRecoversConfiguration() throws {
        var env = InteractionEnv()
        _ = try env.run("add-nodes 3")
        _ = try env.run("campaign 1")
        try env.stabilize()
        try env.nodes[1]?.raft?.proposeConfChange(.addLearner(4))
        try env.stabilize()
        _ = try env.run("crash 2")
        _ = try env.run("restart 2")
        #expect(env.nodes[2]?.raft?.confState == ConfState(voters: [1, 2, 3], learners: [4]))
    }

    @Test("Invalid node configurations are refused", arguments: [(0, 10, 1), (1, 1, 1), (1, 10, 0)])
    func invalidConfig(id: Int, election: Int, heartbeat: Int) {
        var config = Config(id: NodeID(id))
        config.electionTimeoutTicks = election
        config.heartbeatIntervalTicks = heartbeat
        #expect(throws: RaftError.self) {
            _ = try RawNode(config: config, storage: MemoryStorage(), random: FixedRandom(seed: 1))
        }
    }

    @Test(
        "Membership changes round-trip through their entry encoding",
        arguments: [ConfChange.addLearner(1), .promote(UInt64.max), .remove(0x0102_0304_0506_0708)])
    func confChangeCodec(change: ConfChange) {
        #expect(ConfChange(encoded: change.encoded) == change)
    }

    @Test("Malformed membership entries decode to nothing", arguments: [[], [1], [9, 0, 0, 0, 0, 0, 0, 0, 1], [UInt8](repeating: 2, count: 10)])
    func confChangeGarbage(bytes: [UInt8]) {
        #expect(ConfChange(encoded: bytes) == nil)
    }
}

extension InteractionEnv {
    /// Delivers messages one round at a time until `id` leads, without processing more.
    mutating func stabilizeUntilLeader(_ id: NodeID) throws {
        for _ in 0..<20 {
            for n in nodes.keys.sorted() where nodes[n]?.raft?.hasReady == true { processReady(n) }
            let batch = inbox
            inbox = []
            for m in batch { deliver(m) }
            if nodes[id]?.raft?.role == .leader { return }
        }
        throw InteractionError("node \(id) did not become leader")
    }
}

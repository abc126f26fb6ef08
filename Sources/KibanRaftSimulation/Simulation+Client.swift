import KibanRaft

extension Simulation {
    mutating func clientActions() throws(Violation) {
        if random.chance(options.proposeRate) { try propose(on: random.pick(ids)) }
        if random.chance(options.readRate) { try read(on: random.pick(ids)) }
        if random.chance(options.membershipRate) { try changeMembership() }
        if random.chance(options.transferRate) { try transfer() }
        if random.chance(options.compactRate) { compact(random.pick(ids)) }
    }

    /// The up node with role leader in the highest term, if any.
    var currentLeader: NodeID? {
        upIDs.filter { nodes[$0]?.raft?.role == .leader }
            .max { (nodes[$0]?.raft?.term ?? 0) < (nodes[$1]?.raft?.term ?? 0) }
    }

    mutating func propose(on id: NodeID) throws(Violation) {
        guard nodes[id]?.isUp == true else { return }
        proposalSequence += 1
        let payload = Array("p\(proposalSequence)".utf8)
        proposer[payload] = id
        log("propose p\(proposalSequence) on \(id)")
        try withNode(id) { (raft) throws(RaftError) in try raft.propose(payload) }
    }

    mutating func read(on id: NodeID) throws(Violation) {
        guard nodes[id]?.isUp == true else { return }
        proposalSequence += 1
        let context = Array("r\(proposalSequence)".utf8)
        checker.observeReadAsked(context: context)
        log("read r\(proposalSequence) on \(id)")
        try withNode(id) { $0.readIndex(context: context) }
    }

    mutating func changeMembership() throws(Violation) {
        guard let leader = currentLeader, let conf = nodes[leader]?.raft?.confState else { return }
        let change: ConfChange
        switch random.int(0...2) {
        case 0 where conf.voters.count + conf.learners.count < 7:
            let id = allocateID()
            nodes[id] = SimNode(id: id, storage: MemoryStorage())
            start(id)
            change = .addLearner(id)
        case 1 where !conf.learners.isEmpty && conf.voters.count < 5:
            change = .promote(random.pick(conf.learners.sorted()))
        case 2 where conf.members.count > 1:
            change = .remove(random.pick(conf.members.sorted()))
        default:
            return
        }
        stats.membershipChanges += 1
        log("leader \(leader) proposes \(change)")
        try withNode(leader) { (raft) throws(RaftError) in try raft.proposeConfChange(change) }
    }

    mutating func transfer() throws(Violation) {
        guard let leader = currentLeader, let voters = nodes[leader]?.raft?.confState.voters,
            voters.count > 1
        else { return }
        let target = random.pick(voters.sorted().filter { $0 != leader })
        stats.transfers += 1
        log("leader \(leader) transfers to \(target)")
        try withNode(leader) { (raft) throws(RaftError) in try raft.transferLeadership(to: target) }
    }

    /// Takes a snapshot at (or a little before) the applied index and drops the log before it.
    mutating func compact(_ id: NodeID) {
        guard let node = nodes[id], let raft = node.raft else { return }
        let back = UInt64(random.int(0...4))
        guard node.appliedIndex > back else { return }
        let index = node.appliedIndex - back
        guard index >= (try? node.storage.firstIndex()) ?? .max else { return }
        let data = node.snapshotData(upTo: index)
        do {
            try node.storage.createSnapshot(index: index, confState: raft.confState(at: index), data: data)
        } catch {
            return
        }
        nodes[id]?.raft?.compacted(upTo: index)
        stats.compactions += 1
        log("node \(id) compacted to \(index)")
    }
}

import KibanRaft

extension Simulation {
    /// Heals every fault, restarts every node, and requires a leader within a bounded time and
    /// then fresh proposals applied on every member.
    mutating func healAndConverge() throws(Violation) {
        faultsActive = false
        network.makeReliable()
        log("heal: network reliable, restarting every node")
        for id in ids where nodes[id]?.isUp == false { start(id) }
        let healedAt = now
        var pending: [[UInt8]] = []
        var stableLeader: (id: NodeID, term: UInt64, since: Int)?
        while now - healedAt < options.livenessSteps {
            now += 1
            checker.step = now
            try deliverAndTick()
            for id in upIDs { try processReady(id) }
            guard let leader = currentLeader, let term = nodes[leader]?.raft?.term else { continue }
            if stableLeader?.id != leader || stableLeader?.term != term {
                stableLeader = (leader, term, now)
                continue
            }
            if pending.isEmpty && stats.ticksToLeaderAfterHeal == 0 {
                stats.ticksToLeaderAfterHeal = (now - healedAt) / options.stepsPerTick
                for _ in 0..<options.livenessProposals {
                    proposalSequence += 1
                    pending.append(Array("p\(proposalSequence)".utf8))
                }
            }
            // Proposals are (re)sent to the leader until applied: a client retries, and the
            // state machine's deduplication makes the retry harmless.
            if (now - (stableLeader?.since ?? now)) % (options.electionTimeoutTicks * options.stepsPerTick) == 1 {
                for payload in pending {
                    proposer[payload] = leader
                    try withNode(leader) { (raft) throws(RaftError) in try raft.propose(payload) }
                }
            }
            if !pending.isEmpty && converged(pending, leader: leader) { return }
        }
        throw Violation(
            property: .liveness,
            detail: "no convergence \(options.livenessSteps) steps after healing (leader: \(currentLeader.map { "\($0)" } ?? "none"))\n\(describeCluster())",
            step: now)
    }

    /// Every member of the leader's configuration applied the payloads and everything the
    /// leader has (so every acknowledged proposal, wherever it was acknowledged).
    private func converged(_ payloads: [[UInt8]], leader: NodeID) -> Bool {
        guard let raft = nodes[leader]?.raft, raft.commitIndex == raft.lastIndex else { return false }
        return raft.confState.members.allSatisfy { member in
            nodes[member]?.appliedIndex == raft.commitIndex
                && payloads.allSatisfy { appliedPayloads[member]?.contains($0) == true }
        }
    }

    /// Every proposal a client was told succeeded is in the state machine of every member.
    mutating func checkAcknowledgedEverywhere() throws(Violation) {
        guard let leader = currentLeader, let conf = nodes[leader]?.raft?.confState else { return }
        for member in conf.members.sorted() {
            for payload in acknowledged.sorted(by: { $0.lexicographicallyPrecedes($1) })
            where appliedPayloads[member]?.contains(payload) != true {
                throw Violation(
                    property: .exactlyOnce,
                    detail: "acknowledged \(String(decoding: payload, as: UTF8.self)) missing on node \(member)",
                    step: now)
            }
        }
    }
}

extension Simulation {
    /// One line per node: what an engineer needs first when a run does not converge.
    func describeCluster() -> String {
        ids.map { id in
            guard let node = nodes[id], let raft = node.raft else { return "  node \(id): down" }
            let s = raft.status
            let progress = s.progress.keys.sorted().map { k in
                s.progress[k].map { "\(k):\($0.state.rawValue) m\($0.match) n\($0.next)\($0.recentActive ? "" : " inactive")" } ?? ""
            }.joined(separator: ", ")
            return "  node \(id): \(s.softState.role.rawValue) term \(s.hardState.term) lead \(s.softState.leader) "
                + "commit \(s.hardState.commit) applied \(node.appliedIndex) last \(s.lastIndex) first \(raft.firstIndex) "
                + "voters \(s.conf.voters.sorted()) learners \(s.conf.learners.sorted())"
                + (progress.isEmpty ? "" : " [\(progress)]")
        }.joined(separator: "\n")
    }
}

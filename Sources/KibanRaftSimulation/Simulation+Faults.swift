import KibanRaft

extension Simulation {
    mutating func injectFaults() {
        if random.chance(options.partitionRate) {
            changePartition()
        }
        if random.chance(options.leaderNemesisRate), let leader = currentLeader {
            if random.chance(0.5) {
                crash(leader)
            } else {
                stats.partitions += 1
                network.isolate(leader, from: ids)
                log("partition: isolate leader \(leader)")
            }
        }
        for id in ids {
            if nodes[id]?.isUp == true, random.chance(options.crashRate) {
                crash(id)
            } else if nodes[id]?.isUp == false, random.chance(options.restartRate) {
                start(id)
            }
        }
    }

    mutating func changePartition() {
        stats.partitions += 1
        let all = ids
        switch random.int(0...3) {
        case 0:
            network.partitionRandomly(all, random: &random)
            log("partition: random cut \(network.cut.sorted().map { "\($0.from)->\($0.to)" })")
        case 1:
            let a = random.pick(all)
            let b = random.pick(all)
            if a != b { network.cutOneWay(from: a, to: b) }
            log("partition: one-way \(a)->\(b)")
        case 2:
            let victim = random.pick(all)
            network.isolate(victim, from: all)
            log("partition: isolate \(victim)")
        default:
            network.heal()
            log("partition: healed")
        }
    }

    /// Throws away the node's memory: everything not persisted from a Ready is lost.
    mutating func crash(_ id: NodeID) {
        stats.crashes += 1
        nodes[id]?.raft = nil
        log("node \(id) crashed")
    }
}

import ArgumentParser
import KibanRaft

/// `kiban dev`: a local three-member cluster in the foreground, for trying Kiban out.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a local three-member cluster in the foreground (Ctrl-C stops it).",
        discussion: """
            Today this runs Kiban's consensus core: three Raft members in one process, ticking
            every 100 ms on the wall clock, with storage in memory. It elects a leader, writes,
            stops the leader and shows the others carry on, restarts it, and hands leadership
            over, then keeps writing and printing the members' status.
            """
    )

    @Option(help: "Stop after this many seconds (default: run until Ctrl-C).")
    var seconds: Int?

    func run() async throws {
        print("kiban dev: three members (1, 2, 3) in this process; Ctrl-C stops them.")
        var cluster = try DevCluster(members: [1, 2, 3])
        let clock = ContinuousClock()
        let deadline = seconds.map { clock.now + .seconds($0) }
        var tick = 0
        var writes = 0
        while deadline.map({ clock.now < $0 }) ?? true {
            try await clock.sleep(for: .milliseconds(100))
            tick += 1
            cluster.tick()
            for line in cluster.drainEvents() { print(line) }
            guard let leader = cluster.leader else { continue }
            try script(&cluster, tick: tick, leader: leader)
            if tick % 10 == 0 {
                writes += 1
                try? cluster.propose("write-\(writes)")
            }
            if tick % 30 == 0 {
                print("status (leader: member \(cluster.leader.map { "\($0)" } ?? "none")):")
                cluster.statusLines.forEach { print($0) }
            }
        }
        print("stopped after \(tick) ticks; final status:")
        cluster.statusLines.forEach { print($0) }
    }

    /// The demonstration: stop the leader at 4 s, restart it at 8 s, transfer at 12 s.
    private func script(_ cluster: inout DevCluster, tick: Int, leader: NodeID) throws {
        switch tick {
        case 40:
            print("stopping the leader, member \(leader): the others elect a new one")
            cluster.stop(leader)
        case 80:
            for id: NodeID in [1, 2, 3] where cluster.nodes[id] == nil {
                print("restarting member \(id): it catches up from the leader")
                try cluster.restart(id)
            }
        case 120:
            let target = ([1, 2, 3] as [NodeID]).first { $0 != leader } ?? 1
            print("transferring leadership from member \(leader) to member \(target)")
            try cluster.transfer(to: target)
        default:
            break
        }
    }
}

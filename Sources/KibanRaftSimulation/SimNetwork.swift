import KibanRaft

/// A network of lossy, duplicating, reordering links with symmetric and one-way partitions.
struct SimNetwork {
    private struct InFlight {
        var deliverAt: Int
        var sequence: Int
        var message: Message
    }

    private var inFlight: [InFlight] = []
    private var sequence = 0
    /// Directed links that drop everything: (from, to).
    private(set) var cut: Set<Link> = []

    struct Link: Hashable, Comparable {
        var from: NodeID
        var to: NodeID
        static func < (a: Link, b: Link) -> Bool { (a.from, a.to) < (b.from, b.to) }
    }

    var lossRate = 0.0
    var duplicateRate = 0.0
    var maxDelaySteps = 1

    var pendingCount: Int { inFlight.count }

    mutating func send(_ m: Message, now: Int, random: inout SimRandom) {
        if cut.contains(Link(from: m.from, to: m.to)) || random.chance(lossRate) { return }
        let copies = random.chance(duplicateRate) ? 2 : 1
        for _ in 0..<copies {
            sequence += 1
            inFlight.append(InFlight(deliverAt: now + random.int(1...maxDelaySteps), sequence: sequence, message: m))
        }
    }

    /// Removes and returns the messages due at `now`, in a deterministic order. A link cut
    /// while a message was on it drops the message.
    mutating func due(now: Int) -> [Message] {
        var ready: [InFlight] = []
        var keep: [InFlight] = []
        for f in inFlight {
            if f.deliverAt <= now { ready.append(f) } else { keep.append(f) }
        }
        inFlight = keep
        return ready.sorted { ($0.deliverAt, $0.sequence) < ($1.deliverAt, $1.sequence) }
            .map(\.message)
            .filter { !cut.contains(Link(from: $0.from, to: $0.to)) }
    }

    /// Splits `nodes` into two random sides that cannot talk.
    mutating func partitionRandomly(_ nodes: [NodeID], random: inout SimRandom) {
        heal()
        let side = Set(nodes.filter { _ in random.chance(0.5) })
        for a in nodes {
            for b in nodes where a != b && side.contains(a) != side.contains(b) {
                cut.insert(Link(from: a, to: b))
            }
        }
    }

    /// Cuts one direction only: `from` can no longer reach `to`, but hears it.
    mutating func cutOneWay(from: NodeID, to: NodeID) {
        cut.insert(Link(from: from, to: to))
    }

    /// Isolates one node from everyone, both ways.
    mutating func isolate(_ node: NodeID, from nodes: [NodeID]) {
        for other in nodes where other != node {
            cut.insert(Link(from: node, to: other))
            cut.insert(Link(from: other, to: node))
        }
    }

    mutating func heal() { cut = [] }

    /// Stops losing and duplicating messages and bounds their delay (the liveness phase).
    mutating func makeReliable() {
        heal()
        lossRate = 0
        duplicateRate = 0
        maxDelaySteps = min(maxDelaySteps, 2)
    }
}

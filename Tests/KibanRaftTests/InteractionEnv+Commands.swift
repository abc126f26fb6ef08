import KibanRaft

extension InteractionEnv {
    /// Runs one command line and returns what it printed.
    mutating func run(_ line: String) throws -> String {
        out = []
        let words = line.split(separator: " ").map(String.init)
        guard let command = words.first else { return "" }
        let args = Array(words.dropFirst())
        func id(_ i: Int) throws -> NodeID {
            guard i < args.count, let v = NodeID(args[i]) else { throw InteractionError("\(command): missing node id") }
            return v
        }
        switch command {
        case "add-nodes":
            // add-nodes N [learners=K]: a new group, the last K of N as learners.
            guard let n = args.first.flatMap(Int.init) else { throw InteractionError("add-nodes N") }
            let k = args.dropFirst().first { $0.hasPrefix("learners=") }.flatMap { Int($0.dropFirst(9)) } ?? 0
            let all = (1...n).map { NodeID($0) }
            let conf = ConfState(voters: Set(all.prefix(n - k)), learners: Set(all.suffix(k)))
            for i in all {
                nodes[i] = Node(storage: MemoryStorage(bootstrap: conf), applied: [1])
                try start(i)
            }
            say("voters \(conf.voters.sorted()) learners \(conf.learners.sorted())")
        case "add-empty-node":
            let i = try id(0)
            nodes[i] = Node(storage: MemoryStorage())
            try start(i)
        case "campaign":
            nodes[try id(0)]?.raft?.campaign()
        case "tick":
            let n = args.count > 1 ? Int(args[1]) ?? 1 : 1
            for _ in 0..<n { nodes[try id(0)]?.raft?.tick() }
        case "tick-heartbeat":
            nodes[try id(0)]?.raft?.tick()
        case "tick-election":
            for _ in 0..<20 { nodes[try id(0)]?.raft?.tick() }
        case "propose":
            let data = Array(args.dropFirst().joined(separator: " ").utf8)
            do {
                try nodes[try id(0)]?.raft?.propose(data)
            } catch let error as RaftError {
                say("refused: \(error.code.rawValue)")
            }
        case "propose-conf-change":
            try proposeConfChange(args)
        case "transfer-leadership":
            try nodes[try id(0)]?.raft?.transferLeadership(to: try id(1))
        case "read-index":
            nodes[try id(0)]?.raft?.readIndex(context: Array((args.count > 1 ? args[1] : "r").utf8))
        case "stabilize":
            try stabilize()
        case "isolate":
            let victim = try id(0)
            for other in nodes.keys where other != victim {
                cut.insert([victim, other])
                cut.insert([other, victim])
            }
        case "cut":
            // cut A B: messages from A to B are dropped (one way).
            cut.insert([try id(0), try id(1)])
        case "heal":
            cut = []
        case "crash":
            nodes[try id(0)]?.raft = nil
            inbox.removeAll { $0.from == (try? id(0)) }
        case "restart":
            try start(try id(0))
        case "compact":
            try compact(try id(0), index: UInt64(args[1]) ?? 0)
        case "status":
            for i in args.isEmpty ? nodes.keys.sorted() : [try id(0)] { status(i) }
        case "log":
            try printLog(try id(0))
        default:
            throw InteractionError("unknown command \(command)")
        }
        return out.joined(separator: "\n")
    }

    private mutating func proposeConfChange(_ args: [String]) throws {
        guard args.count == 3, let leader = NodeID(args[0]), let target = NodeID(args[2]) else {
            throw InteractionError("propose-conf-change LEADER add-learner|promote|remove ID")
        }
        let change: ConfChange
        switch args[1] {
        case "add-learner": change = .addLearner(target)
        case "promote": change = .promote(target)
        case "remove": change = .remove(target)
        default: throw InteractionError("unknown change \(args[1])")
        }
        do {
            try nodes[leader]?.raft?.proposeConfChange(change)
        } catch {
            say("refused: \(error.code.rawValue)")
        }
    }

    private mutating func compact(_ id: NodeID, index: UInt64) throws {
        guard let node = nodes[id], let raft = node.raft else { throw InteractionError("node \(id) is down") }
        try node.storage.createSnapshot(index: index, confState: raft.confState(at: index), data: [])
        nodes[id]?.raft?.compacted(upTo: index)
        say("node \(id): log starts at \(try node.storage.firstIndex())")
    }

    private mutating func status(_ id: NodeID) {
        guard let raft = nodes[id]?.raft else {
            say("node \(id): down")
            return
        }
        let s = raft.status
        say(
            "node \(id): \(s.softState.role.rawValue) term=\(s.hardState.term) lead=\(s.softState.leader) "
                + "commit=\(s.hardState.commit) applied=\(s.applied) last=\(s.lastIndex) "
                + "voters=\(s.conf.voters.sorted()) learners=\(s.conf.learners.sorted())")
    }

    private mutating func printLog(_ id: NodeID) throws {
        guard let raft = nodes[id]?.raft else { throw InteractionError("node \(id) is down") }
        var i = raft.firstIndex
        var parts: [String] = []
        while i <= raft.lastIndex {
            parts.append("\(i)/\(raft.term(at: i) ?? 0)")
            i += 1
        }
        say("node \(id) log: \(parts.joined(separator: " "))")
    }
}

import KibanRaft

/// Three Raft members in one process over an in-memory network, driven by the wall clock.
/// It is what `kiban dev` runs until the daemon exists: the real consensus core, with storage
/// in memory and messages delivered within the process.
struct DevCluster {
    private(set) var nodes: [NodeID: RawNode] = [:]
    private var storages: [NodeID: MemoryStorage] = [:]
    private var down: Set<NodeID> = []
    private var inbox: [Message] = []
    private(set) var applied: [NodeID: [String]] = [:]
    private(set) var events: [String] = []

    init(members: [NodeID]) throws {
        let conf = ConfState(voters: Set(members))
        for id in members {
            storages[id] = MemoryStorage(bootstrap: conf)
            try start(id)
        }
    }

    private mutating func start(_ id: NodeID) throws {
        guard let storage = storages[id] else { return }
        nodes[id] = try RawNode(config: Config(id: id), storage: storage, random: SystemRandomNumberGenerator())
        applied[id] = []
        down.remove(id)
    }

    var leader: NodeID? { nodes.values.first { $0.role == .leader }?.id }

    mutating func tick() {
        for id in nodes.keys.sorted() { nodes[id]?.tick() }
        pump()
    }

    mutating func propose(_ text: String) throws {
        guard let leader else { throw DevError(description: "no leader yet") }
        try nodes[leader]?.propose(Array(text.utf8))
        pump()
    }

    mutating func transfer(to id: NodeID) throws {
        guard let leader else { return }
        try nodes[leader]?.transferLeadership(to: id)
        pump()
    }

    /// Stops a member: its memory is gone, its storage stays.
    mutating func stop(_ id: NodeID) {
        nodes[id] = nil
        down.insert(id)
    }

    mutating func restart(_ id: NodeID) throws {
        try start(id)
        pump()
    }

    /// Processes every Ready and delivers every message until nothing moves.
    private mutating func pump() {
        for _ in 0..<100 {
            var moved = false
            for id in nodes.keys.sorted() where nodes[id]?.hasReady == true {
                processReady(id)
                moved = true
            }
            let batch = inbox
            inbox = []
            for m in batch where nodes[m.to] != nil {
                nodes[m.to]?.step(m)
                moved = true
            }
            if !moved { return }
        }
    }

    private mutating func processReady(_ id: NodeID) {
        guard var node = nodes[id], let storage = storages[id] else { return }
        let rd = node.ready()
        if let snapshot = rd.snapshot { storage.applySnapshot(snapshot) }
        storage.append(rd.entries)
        if let hs = rd.hardState { storage.setHardState(hs) }
        inbox.append(contentsOf: rd.messages)
        for e in rd.committedEntries where e.kind == .normal && !e.data.isEmpty {
            applied[id, default: []].append(String(decoding: e.data, as: UTF8.self))
        }
        for event in rd.events {
            events.append("member \(id): \(event)")
        }
        node.advance(rd)
        nodes[id] = node
    }

    /// Takes the events logged since the last call.
    mutating func drainEvents() -> [String] {
        defer { events = [] }
        return events
    }

    /// One line per member: role, term, commit and applied.
    var statusLines: [String] {
        let members = Set(storages.keys).sorted()
        return members.map { id in
            guard let n = nodes[id] else { return "  member \(id)  stopped" }
            return "  member \(id)  \(n.role.rawValue.padding(12))  term \(n.term)  commit \(n.commitIndex)  applied \(applied[id]?.count ?? 0) writes"
        }
    }
}

/// Why a development-cluster action could not run.
struct DevError: Error, CustomStringConvertible {
    var description: String
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

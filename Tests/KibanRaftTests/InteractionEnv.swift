import KibanRaft

/// A small cluster driven by text commands, for golden transcripts in the style of
/// etcd-io/raft's `testdata/*.txt`: every message delivered and every state change is printed,
/// so a transcript shows exactly what the algorithm did.
struct InteractionEnv {
    struct Node {
        let storage: MemoryStorage
        var raft: RawNode?
        var applied: [UInt64] = []
    }

    var nodes: [NodeID: Node] = [:]
    var inbox: [Message] = []
    /// Directed links that drop messages.
    var cut: Set<[NodeID]> = []
    var out: [String] = []
    var unsafe: Set<UnsafeVariant> = []
    var checkQuorum = true
    var preVote = true
    var messageBytesMax = 200

    mutating func say(_ s: String) { out.append(s) }

    mutating func start(_ id: NodeID) throws {
        guard let node = nodes[id] else { throw InteractionError("no node \(id)") }
        var config = Config(id: id)
        config.electionTimeoutTicks = 10
        config.applied = node.applied.last ?? 0
        config.preVote = preVote
        config.checkQuorum = checkQuorum
        config.unsafeVariants = unsafe
        config.messageBytesMax = messageBytesMax
        // A fixed generator: transcripts do not depend on chance.
        nodes[id]?.raft = try RawNode(config: config, storage: node.storage, random: FixedRandom(seed: id))
    }

    /// Processes every Ready and delivers every message until nothing moves.
    mutating func stabilize() throws {
        var rounds = 0
        while true {
            rounds += 1
            guard rounds < 1000 else { throw InteractionError("no quiescence after 1000 rounds") }
            var moved = false
            for id in nodes.keys.sorted() where nodes[id]?.raft?.hasReady == true {
                processReady(id)
                moved = true
            }
            let batch = inbox
            inbox = []
            for m in batch {
                moved = true
                deliver(m)
            }
            if !moved { return }
        }
    }

    mutating func deliver(_ m: Message) {
        if cut.contains([m.from, m.to]) {
            say("  dropped \(Self.describe(m))")
            return
        }
        guard nodes[m.to]?.raft != nil else {
            say("  lost (down) \(Self.describe(m))")
            return
        }
        say("  \(Self.describe(m))")
        nodes[m.to]?.raft?.step(m)
    }

    mutating func processReady(_ id: NodeID) {
        guard var raft = nodes[id]?.raft, let storage = nodes[id]?.storage else { return }
        let rd = raft.ready()
        if let s = rd.softState { say("node \(id): \(s.role.rawValue) term \(raft.term) lead \(s.leader)") }
        if let snapshot = rd.snapshot {
            storage.applySnapshot(snapshot)
            say("node \(id): installed snapshot \(snapshot.metadata.index)/\(snapshot.metadata.term)")
            nodes[id]?.applied = [snapshot.metadata.index]
        }
        storage.append(rd.entries)
        if let hs = rd.hardState { storage.setHardState(hs) }
        inbox.append(contentsOf: rd.messages)
        for e in rd.committedEntries {
            nodes[id]?.applied.append(e.index)
            say("node \(id): apply \(Self.describe(e))")
        }
        for r in rd.readStates {
            say("node \(id): read \(String(decoding: r.context, as: UTF8.self)) at index \(r.index)")
        }
        raft.advance(rd)
        nodes[id]?.raft = raft
    }

    static func describe(_ e: Entry) -> String {
        switch e.kind {
        case .normal:
            return "\(e.index)/\(e.term)" + (e.data.isEmpty ? "" : " \(String(decoding: e.data, as: UTF8.self))")
        case .confChange:
            return "\(e.index)/\(e.term) \(ConfChange(encoded: e.data).map { "\($0)" } ?? "bad change")"
        }
    }

    static func describe(_ m: Message) -> String {
        var s = "\(m.from)->\(m.to) \(m.kind) term=\(m.term)"
        switch m.kind {
        case .append:
            s += " prev=\(m.logIndex)/\(m.logTerm) commit=\(m.commit) entries=[\(m.entries.map(describe).joined(separator: ", "))]"
        case .appendResponse:
            s += m.reject ? " reject index=\(m.index) hint=\(m.rejectHint)/\(m.logTerm)" : " index=\(m.index)"
        case .vote, .preVote:
            s += " last=\(m.logIndex)/\(m.logTerm)" + (m.context.isEmpty ? "" : " transfer")
        case .voteResponse, .preVoteResponse:
            s += m.reject ? " rejected" : " granted"
        case .heartbeat:
            s += " commit=\(m.commit)" + (m.context.isEmpty ? "" : " ctx=\(String(decoding: m.context, as: UTF8.self))")
        case .snapshot:
            s += " snapshot=\(m.snapshot?.metadata.index ?? 0)/\(m.snapshot?.metadata.term ?? 0)"
        case .readIndexResponse:
            s += " index=\(m.index)"
        default:
            break
        }
        return s
    }
}

struct InteractionError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A deterministic generator for election jitter in transcripts.
struct FixedRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

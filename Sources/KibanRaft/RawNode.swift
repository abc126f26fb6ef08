/// A Raft node driven by its caller: feed it ticks, messages and requests; take its ``Ready``;
/// do what it says; call ``advance(_:)``. Single-threaded: one owner calls every method.
///
/// ```swift
/// var node = try RawNode(config: Config(id: 1), storage: storage, random: SystemRandomNumberGenerator())
/// node.tick()                                   // every tick interval
/// try node.propose(Array("hello".utf8))
/// while node.hasReady {
///     let rd = node.ready()
///     // persist rd.snapshot, rd.entries, rd.hardState; send rd.messages; apply rd.committedEntries
///     node.advance(rd)
/// }
/// ```
public struct RawNode {
    var raft: Raft
    var previousSoft: SoftState
    var previousHard: HardState
    /// A ready was handed out and not advanced yet.
    var outstanding: Ready?

    /// Creates a node over `storage`, which holds whatever it persisted before (a restart) or a
    /// bootstrap configuration (a new group, see ``MemoryStorage/init(bootstrap:)``), or is
    /// empty (a node waiting to be added by a leader). `random` draws election timeouts.
    /// - Throws: ``RaftError`` with code `invalidConfig`.
    public init(config: Config, storage: any LogStorage, random: any RandomNumberGenerator) throws(RaftError) {
        raft = try Raft(config: config, storage: storage, random: random)
        previousSoft = SoftState(leader: raft.lead, role: raft.role)
        previousHard = raft.hardState
    }

    /// Advances logical time by one tick: followers count toward an election, leaders toward
    /// a heartbeat and a check-quorum round.
    public mutating func tick() { raft.tick() }

    /// Hands a message from another node to this one.
    public mutating func step(_ message: Message) {
        guard message.kind != .propose || !message.entries.isEmpty else { return }
        raft.step(message)
    }

    /// Starts an election now (tests, and operators forcing one).
    public mutating func campaign() { raft.hup(transfer: false) }

    /// Proposes application data. On a follower the proposal is forwarded to the leader and may
    /// be lost: the application learns of success only by seeing the entry committed.
    /// - Throws: ``RaftError`` `noLeader` or `transferring`.
    public mutating func propose(_ data: [UInt8]) throws(RaftError) {
        try proposeEntry(Entry(term: 0, index: 0, kind: .normal, data: data))
    }

    /// Proposes a single-server membership change. Only the leader accepts one.
    /// - Throws: ``RaftError`` `notLeader`, `leaderNotReady`, `configChangePending`,
    ///   `invalidConfigChange`, `transferring`.
    public mutating func proposeConfChange(_ change: ConfChange) throws(RaftError) {
        guard raft.role == .leader else {
            throw RaftError(.notLeader, "membership changes must be proposed on the leader (\(raft.lead))")
        }
        try proposeEntry(Entry(term: 0, index: 0, kind: .confChange, data: change.encoded))
    }

    private mutating func proposeEntry(_ entry: Entry) throws(RaftError) {
        switch raft.role {
        case .leader:
            try raft.proposeEntries([entry])
        case .follower where raft.lead != 0:
            var m = Message(kind: .propose, from: raft.id, to: raft.lead, term: 0)
            m.entries = [entry]
            raft.step(m)
        default:
            throw RaftError(.noLeader, "no leader is known; retry once one is elected")
        }
    }

    /// Asks for a linearizable read point. The answer arrives as a ``ReadState`` with the same
    /// `context` (which must be unique) in a later ``Ready``, or never if leadership changes.
    public mutating func readIndex(context: [UInt8]) {
        var m = Message(kind: .readIndex, from: raft.id, to: raft.id, term: 0)
        m.context = context
        if raft.role == .leader {
            raft.requestRead(context: context, from: raft.id)
        } else {
            raft.step(m)
        }
    }

    /// Moves leadership to `to` (leader only).
    /// - Throws: ``RaftError`` `notLeader` or `invalidConfigChange` (not a voter).
    public mutating func transferLeadership(to: NodeID) throws(RaftError) {
        try raft.transferLeadership(to: to)
    }

    /// Tells the leader that a message to `id` could not be delivered.
    public mutating func reportUnreachable(_ id: NodeID) { raft.reportUnreachable(id) }

    /// Tells the leader whether sending a snapshot to `id` worked.
    public mutating func reportSnapshot(_ id: NodeID, succeeded: Bool) {
        raft.reportSnapshot(id, succeeded: succeeded)
    }

    /// The configuration in force at `index` (for the metadata of a snapshot taken there).
    public func confState(at index: UInt64) -> ConfState { raft.configs.conf(at: index) }

    /// Forgets configuration history before `index`, after the caller compacted its log there.
    public mutating func compacted(upTo index: UInt64) { raft.configs.compact(upTo: index) }
}

extension RawNode {
    /// This node's id.
    public var id: NodeID { raft.id }
    /// What this node is doing now.
    public var role: Role { raft.role }
    /// The current term.
    public var term: UInt64 { raft.term }
    /// The leader this node knows of, or 0.
    public var leader: NodeID { raft.lead }
    /// The highest index this node knows to be committed.
    public var commitIndex: UInt64 { raft.log.committed }
    /// The first index still in the log (after the latest snapshot).
    public var firstIndex: UInt64 { raft.log.firstIndex }
    /// The last index in the log, persisted or not.
    public var lastIndex: UInt64 { raft.log.lastIndex }
    /// The configuration in force (that of the latest configuration entry in the log).
    public var confState: ConfState { raft.conf }

    /// Leader only: the highest index known replicated on each member (Figure 2's matchIndex);
    /// empty on other roles. Used to promote a learner once it has caught up.
    public var matchIndexes: [NodeID: UInt64] {
        raft.role == .leader ? raft.progress.mapValues { $0.match } : [:]
    }
    /// The term of the entry at `index` in this node's log, persisted or not; nil when it was
    /// compacted away or is beyond the end.
    public func term(at index: UInt64) -> UInt64? { raft.log.term(index) }
}

/// The Raft state machine of one node. No I/O, clock or thread: inputs are ``step(_:)``,
/// ``tick()`` and local requests; outputs accumulate in ``messages``, ``readStates`` and
/// ``events`` and leave through ``RawNode/ready()``.
struct Raft {
    let id: NodeID
    let config: Config
    var random: any RandomNumberGenerator

    var term: UInt64 = 0
    var vote: NodeID = 0
    var log: RaftLog
    var role: Role = .follower
    var lead: NodeID = 0

    /// Membership as of each configuration entry in the log (effect on append, thesis §4.1).
    var configs: ConfigHistory
    /// Replication state per member (leader only).
    var progress: [NodeID: Progress] = [:]
    /// Votes received in the current (pre-)election.
    var votes: [NodeID: Bool] = [:]
    /// The first index of this leader's term: committing it proves the leader may serve reads
    /// and change membership.
    var termStartIndex: UInt64 = 0

    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    var leadTransferee: NodeID = 0

    var readOnly = ReadOnly()
    /// Reads asked of a new leader before it committed an entry of its term.
    var readsAwaitingCommit: [(context: [UInt8], from: NodeID)] = []

    var messages: [Message] = []
    var readStates: [ReadState] = []
    var events: [RaftEvent] = []

    init(config: Config, storage: any LogStorage, random: any RandomNumberGenerator) throws(RaftError) {
        try config.validate()
        id = config.id
        self.config = config
        self.random = random
        log = RaftLog(storage: storage, applied: config.applied)
        let (hard, conf) = RaftLog.must { () throws(StorageError) in try storage.initialState() }
        let snapshotIndex = log.firstIndex - 1
        configs = ConfigHistory(index: snapshotIndex, conf: conf)
        // Replays the membership changes in the stored log (they took effect when appended).
        if log.lastIndex > snapshotIndex,
            let stored = log.slice(snapshotIndex + 1, log.lastIndex + 1, maxBytes: .max)
        {
            configs.record(stored)
        }
        if !hard.isEmpty {
            precondition(hard.commit <= log.lastIndex, "commit \(hard.commit) beyond log \(log.lastIndex)")
            term = hard.term
            vote = hard.vote
            log.commitTo(hard.commit)
        }
        becomeFollower(term: term, lead: 0)
    }

    var conf: ConfState { configs.current }
    var hardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }
    var quorum: Int { conf.quorum }

    /// A voter may campaign unless a snapshot waits to be persisted. Learners and removed or
    /// not-yet-added nodes never do. A node whose removal is in its log but not committed still
    /// counts as a voter here: it may hold the only up-to-date log (a leader that appended its
    /// own removal and restarted), and without it the rest could never elect anyone. It counts
    /// votes in the latest configuration and, once elected, commits its removal and steps down
    /// (thesis §4.2.2).
    var isPromotable: Bool {
        guard log.unstable.snapshot == nil else { return false }
        return conf.voters.contains(id) || configs.conf(at: log.committed).voters.contains(id)
    }

    mutating func send(_ m: Message) {
        var m = m
        m.from = id
        messages.append(m)
    }

    mutating func resetRandomizedElectionTimeout() {
        let t = config.electionTimeoutTicks
        randomizedElectionTimeout = t + Int.random(in: 0..<t, using: &random)
    }

    var pastElectionTimeout: Bool { electionElapsed >= randomizedElectionTimeout }

    mutating func reset(term newTerm: UInt64) {
        if newTerm != term {
            term = newTerm
            vote = 0
        }
        lead = 0
        electionElapsed = 0
        heartbeatElapsed = 0
        resetRandomizedElectionTimeout()
        leadTransferee = 0
        votes = [:]
        progress = [:]
        readOnly.reset()
        readsAwaitingCommit = []
    }

    mutating func becomeFollower(term newTerm: UInt64, lead newLead: NodeID) {
        let wasLeader = role == .leader
        reset(term: newTerm)
        lead = newLead
        role = .follower
        if wasLeader || newLead != 0 { events.append(.becameFollower(term: term, leader: lead)) }
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "leader cannot become pre-candidate")
        // Neither the term nor the vote changes: a pre-vote is a question, not an election.
        votes = [:]
        lead = 0
        role = .preCandidate
        events.append(.campaignStarted(term: term + 1, preVote: true))
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "leader cannot become candidate")
        reset(term: term + 1)
        vote = id
        role = .candidate
        events.append(.campaignStarted(term: term, preVote: false))
    }

    mutating func becomeLeader() {
        precondition(role == .candidate || conf.voters == [id], "only a candidate becomes leader")
        reset(term: term)
        lead = id
        role = .leader
        for member in conf.members { progress[member] = newProgress() }
        progress[id]?.match = log.stableIndex
        progress[id]?.becomeReplicate()
        // A leader's first act is an empty entry of its term: committing it commits everything
        // before it (§5.4.2, §8) and unlocks reads and membership changes.
        termStartIndex = log.lastIndex + 1
        appendEntries([Entry(term: term, index: 0)])
        events.append(.becameLeader(term: term))
    }

    func newProgress() -> Progress {
        var p = Progress(
            next: log.lastIndex + 1,
            inflights: Inflights(
                messagesMax: config.inflightMessagesMax,
                bytesMax: config.inflightBytesMax))
        // A new member gets a grace period before check-quorum counts it as silent.
        p.recentActive = true
        return p
    }

    mutating func tick() {
        if role == .leader {
            tickHeartbeat()
        } else {
            tickElection()
        }
    }

    private mutating func tickElection() {
        electionElapsed += 1
        if isPromotable && pastElectionTimeout {
            electionElapsed = 0
            hup(transfer: false)
        }
    }

    private mutating func tickHeartbeat() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= config.electionTimeoutTicks {
            electionElapsed = 0
            expireSnapshots()
            if config.checkQuorum && !checkQuorumActive() {
                events.append(.steppedDownLostQuorum(term: term))
                becomeFollower(term: term, lead: 0)
                return
            }
            abortLeaderTransfer()
        }
        if heartbeatElapsed >= config.heartbeatIntervalTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat(context: readOnly.lastContext)
        }
    }
}

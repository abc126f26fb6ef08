/// The kinds of message Raft nodes exchange, and the local ones a caller steps into a node.
public enum MessageKind: UInt8, Sendable, Hashable, Codable {
    /// Leader → follower: entries after (`logIndex`, `logTerm`), and the leader's commit (§5.3).
    case append = 1
    /// Follower → leader: accepted up to `index`, or `reject` with a hint (`rejectHint`, `logTerm`).
    case appendResponse = 2
    /// Candidate → voter: `logIndex`/`logTerm` of the candidate's last entry (§5.2, §5.4.1).
    case vote = 3
    /// Voter → candidate: granted unless `reject`.
    case voteResponse = 4
    /// Like ``vote`` for `term` + 1, without anyone changing term (thesis §9.6).
    case preVote = 5
    /// Answer to ``preVote``.
    case preVoteResponse = 6
    /// Leader → follower: liveness and commit, carrying a read `context` when one is pending.
    case heartbeat = 7
    /// Follower → leader: answer to ``heartbeat``, echoing its `context`.
    case heartbeatResponse = 8
    /// Leader → follower whose log was compacted away: the snapshot to install.
    case snapshot = 9
    /// Leader → transfer target: start an election now, ignoring leases (thesis §3.10).
    case timeoutNow = 10
    /// Follower → leader: a ReadIndex request with `context` (thesis §6.4).
    case readIndex = 11
    /// Leader → follower: the read index (`index`) for `context`.
    case readIndexResponse = 12
    /// Follower → leader: application proposals in `entries`.
    case propose = 13
}

/// A message between nodes. Fields unused by a kind are zero or empty.
public struct Message: Sendable, Hashable, Codable {
    /// What the message is.
    public var kind: MessageKind
    /// The sender.
    public var from: NodeID
    /// The receiver.
    public var to: NodeID
    /// The sender's term (for ``MessageKind/preVote`` the term it would campaign in).
    public var term: UInt64
    /// Term of the entry at ``logIndex`` (append, votes) or of the hint (reject).
    public var logTerm: UInt64 = 0
    /// Index preceding ``entries`` (append), the candidate's last index (votes).
    public var logIndex: UInt64 = 0
    /// Entries to append or propose.
    public var entries: [Entry] = []
    /// Leader commit index (append, heartbeat).
    public var commit: UInt64 = 0
    /// Acknowledged index (append response), read index (read index response).
    public var index: UInt64 = 0
    /// A refused append or vote.
    public var reject: Bool = false
    /// On a refused append: the index the leader should probe next.
    public var rejectHint: UInt64 = 0
    /// The snapshot (``MessageKind/snapshot`` only).
    public var snapshot: Snapshot? = nil
    /// An opaque context: read requests, or `campaignTransfer` on votes from a transfer.
    public var context: [UInt8] = []

    /// Creates a message.
    public init(kind: MessageKind, from: NodeID, to: NodeID, term: UInt64) {
        self.kind = kind
        self.from = from
        self.to = to
        self.term = term
    }

    /// Whether the kind is an answer to a request of the sender's.
    var isResponse: Bool {
        switch kind {
        case .appendResponse, .voteResponse, .preVoteResponse, .heartbeatResponse,
            .readIndexResponse:
            return true
        default:
            return false
        }
    }

    /// Kinds only a leader sends, carrying nothing a crash could take back: the caller may send
    /// them before persisting the Ready that holds them (see ``Ready``).
    public var isLeaderMessage: Bool {
        switch kind {
        case .append, .heartbeat, .snapshot, .timeoutNow: return true
        default: return false
        }
    }

    /// Bytes counted against in-flight limits.
    var entriesSizeBytes: Int { entries.reduce(0) { $0 + $1.sizeBytes } }
}

/// The vote context marking an election that a leadership transfer started.
let campaignTransferContext: [UInt8] = Array("transfer".utf8)

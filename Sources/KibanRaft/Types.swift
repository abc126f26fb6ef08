/// Identifies a member of a Raft group. Zero means "none".
public typealias NodeID = UInt64

/// What an entry carries.
public enum EntryKind: UInt8, Sendable, Hashable, Codable {
    /// Application data, opaque to Raft (possibly empty: a new leader's first entry).
    case normal = 0
    /// A single-server membership change (``ConfChange``), encoded by ``ConfChange/encoded``.
    case confChange = 1
}

/// One record of the replicated log.
public struct Entry: Sendable, Hashable, Codable {
    /// The leader term in which the entry was created.
    public var term: UInt64
    /// The entry's position in the log, starting at 1.
    public var index: UInt64
    /// What ``data`` means.
    public var kind: EntryKind
    /// The payload.
    public var data: [UInt8]

    /// Creates an entry.
    public init(term: UInt64, index: UInt64, kind: EntryKind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// Bytes counted against size limits (payload plus a fixed header estimate).
    public var sizeBytes: Int { data.count + 24 }
}

/// The state a node must persist before it acknowledges anything (§5.1, Figure 2).
public struct HardState: Sendable, Hashable, Codable {
    /// The latest term this node has seen.
    public var term: UInt64
    /// The candidate this node voted for in ``term``, or 0.
    public var vote: NodeID
    /// The highest index known to be committed.
    public var commit: UInt64

    /// Creates a hard state.
    public init(term: UInt64 = 0, vote: NodeID = 0, commit: UInt64 = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    /// True for the state of a node that never started.
    public var isEmpty: Bool { self == HardState() }
}

/// The membership of a group: voters decide elections and commitment; learners only replicate.
public struct ConfState: Sendable, Hashable, Codable {
    /// Members that vote and count toward quorums.
    public var voters: Set<NodeID>
    /// Members that receive the log but do not vote.
    public var learners: Set<NodeID>

    /// Creates a configuration.
    public init(voters: Set<NodeID> = [], learners: Set<NodeID> = []) {
        precondition(voters.isDisjoint(with: learners), "a member is either a voter or a learner")
        self.voters = voters
        self.learners = learners
    }

    /// Every member, voter or learner.
    public var members: Set<NodeID> { voters.union(learners) }

    /// The number of voters that form a majority.
    public var quorum: Int { voters.count / 2 + 1 }
}

/// Where a snapshot sits in the log, and the membership at that point.
public struct SnapshotMetadata: Sendable, Hashable, Codable {
    /// The last log index the snapshot covers.
    public var index: UInt64
    /// The term of the entry at ``index``.
    public var term: UInt64
    /// The configuration in force at ``index``.
    public var confState: ConfState

    /// Creates snapshot metadata.
    public init(index: UInt64 = 0, term: UInt64 = 0, confState: ConfState = ConfState()) {
        self.index = index
        self.term = term
        self.confState = confState
    }
}

/// A state-machine image at an index, replacing the log prefix up to it.
public struct Snapshot: Sendable, Hashable, Codable {
    /// Where the snapshot sits.
    public var metadata: SnapshotMetadata
    /// The application's serialized state, opaque to Raft.
    public var data: [UInt8]

    /// Creates a snapshot.
    public init(metadata: SnapshotMetadata = SnapshotMetadata(), data: [UInt8] = []) {
        self.metadata = metadata
        self.data = data
    }

    /// True for the absence of a snapshot (index 0).
    public var isEmpty: Bool { metadata.index == 0 }
}

/// A released linearizable read: the caller may answer the read once it has applied ``index``.
public struct ReadState: Sendable, Hashable {
    /// The commit index at the time the read was confirmed by a quorum.
    public var index: UInt64
    /// The context passed to ``RawNode/readIndex(context:)``.
    public var context: [UInt8]
}

/// What a node is doing in the current term.
public enum Role: String, Sendable, Hashable, Codable {
    case follower, preCandidate, candidate, leader
}

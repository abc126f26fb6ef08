/// Everything a node needs the caller to do, handed out by ``RawNode/ready()``.
///
/// **Process the fields in this order, then call ``RawNode/advance(_:)``:**
/// 1. Persist ``snapshot`` (if any), then append ``entries`` (truncating any conflicting suffix),
///    then ``hardState`` (if any) — durably (fsync) when ``mustSync`` is true. Nothing may be
///    sent before this is on disk — a vote or an acknowledgement is a promise about the disk —
///    **except** messages whose ``Message/isLeaderMessage`` is true: a leader counts its own
///    entries only once persisted (after ``RawNode/advance(_:)``), so its appends may travel
///    while it writes them, overlapping its fsync with its followers'.
/// 2. Send ``messages``. Their order per destination matters little; loss is tolerated.
/// 3. Apply ``snapshot`` to the state machine, then ``committedEntries`` in order.
/// 4. Answer each ``readStates`` read once the state machine has applied its index.
public struct Ready: Sendable {
    /// The role and leader, when they changed since the previous ready. Informational.
    public var softState: SoftState?
    /// The hard state to persist, when it changed.
    public var hardState: HardState?
    /// Entries to append to stable storage before sending messages.
    public var entries: [Entry]
    /// A snapshot received from the leader: persist it (replacing the log), then apply it.
    public var snapshot: Snapshot?
    /// Committed entries to apply to the state machine, in order, after persisting.
    public var committedEntries: [Entry]
    /// Messages to send after persisting.
    public var messages: [Message]
    /// Linearizable reads confirmed since the previous ready.
    public var readStates: [ReadState]
    /// Events worth logging.
    public var events: [RaftEvent]
    /// True when the writes of step 1 must be fsynced (a new vote, term or entries).
    public var mustSync: Bool

    /// True when there is nothing to do.
    public var isEmpty: Bool {
        softState == nil && hardState == nil && entries.isEmpty && snapshot == nil
            && committedEntries.isEmpty && messages.isEmpty && readStates.isEmpty && events.isEmpty
    }
}

/// The volatile part of a node's state.
public struct SoftState: Sendable, Hashable {
    /// The leader this node knows of, or 0.
    public var leader: NodeID
    /// What this node is doing.
    public var role: Role
}

/// A snapshot of a node's state for monitoring and tests.
public struct Status: Sendable {
    /// This node.
    public var id: NodeID
    /// Term, vote and commit index.
    public var hardState: HardState
    /// Role and known leader.
    public var softState: SoftState
    /// The index last handed to the application.
    public var applied: UInt64
    /// The last index in the log.
    public var lastIndex: UInt64
    /// The configuration in force.
    public var conf: ConfState
    /// Per member replication state (leader only).
    public var progress: [NodeID: ProgressStatus]
    /// The member leadership is moving to, or 0.
    public var leadTransferee: NodeID
}

/// The leader's replication state for one member.
public struct ProgressStatus: Sendable, Hashable {
    /// Highest index known to be stored on the member.
    public var match: UInt64
    /// Next index to send.
    public var next: UInt64
    /// Probe, replicate or snapshot.
    public var state: ProgressState
    /// Heard from during the current check-quorum round.
    public var recentActive: Bool
}

extension RawNode {
    private var softState: SoftState { SoftState(leader: raft.lead, role: raft.role) }

    /// True when ``ready()`` has something for the caller (and no ready is outstanding).
    public var hasReady: Bool {
        guard outstanding == nil else { return false }
        return softState != previousSoft || raft.hardState != previousHard
            || !raft.messages.isEmpty || !raft.readStates.isEmpty || !raft.events.isEmpty
            || !raft.log.unstable.entries.isEmpty || raft.log.unstable.snapshot != nil
            || raft.log.hasNextCommittedEntries
    }

    /// Collects what the caller must do now. Call ``advance(_:)`` with the result before the
    /// next call; see ``Ready`` for the order of the work.
    public mutating func ready() -> Ready {
        precondition(outstanding == nil, "advance the previous ready first")
        let soft = softState
        let hard = raft.hardState
        let entries = raft.log.unstable.entries
        let rd = Ready(
            softState: soft != previousSoft ? soft : nil,
            hardState: hard != previousHard ? hard : nil,
            entries: entries,
            snapshot: raft.log.unstable.snapshot,
            committedEntries: raft.log.nextCommittedEntries(maxBytes: raft.config.applyBytesMax, limit: unsafeApplyLimit),
            messages: raft.messages,
            readStates: raft.readStates,
            events: raft.events,
            mustSync: !entries.isEmpty || hard.term != previousHard.term || hard.vote != previousHard.vote
        )
        raft.messages = []
        raft.readStates = []
        raft.events = []
        previousSoft = soft
        if let hs = rd.hardState { previousHard = hs }
        outstanding = rd
        return rd
    }

    /// Tells the node that the caller did what `ready` asked: the entries and snapshot are
    /// persisted and the committed entries applied.
    public mutating func advance(_ ready: Ready) {
        precondition(outstanding != nil, "advance without a ready")
        outstanding = nil
        if let snapshot = ready.snapshot {
            raft.log.unstable.stableSnapshotTo(index: snapshot.metadata.index)
            recordApplied(snapshot.metadata.index, entries: false)
        }
        if let last = ready.entries.last {
            raft.log.unstable.stableTo(index: last.index, term: last.term)
        }
        if let last = ready.committedEntries.last {
            recordApplied(last.index, entries: true)
        }
        raft.persisted()
    }

    /// Where ``UnsafeVariant/applyUncommittedEntries`` stops handing out entries: the end of
    /// the log. Nil (the commit index) otherwise.
    private var unsafeApplyLimit: UInt64? {
        raft.config.unsafeVariants.contains(.applyUncommittedEntries) ? raft.log.lastIndex : nil
    }

    /// The application applied up to `index` (a snapshot's, or the last entry handed out).
    private mutating func recordApplied(_ index: UInt64, entries: Bool) {
        let unsafe = raft.config.unsafeVariants
        if unsafe.contains(.applyUncommittedEntries) {
            raft.log.appliedBeyondCommit(index)
        } else if !(entries && unsafe.contains(.forgetAppliedIndex)) {
            raft.log.appliedTo(index)
        }
    }

    /// The node's current state.
    public var status: Status {
        var progress: [NodeID: ProgressStatus] = [:]
        for (member, pr) in raft.progress {
            progress[member] = ProgressStatus(
                match: pr.match, next: pr.next, state: pr.state,
                recentActive: pr.recentActive)
        }
        return Status(
            id: raft.id, hardState: raft.hardState, softState: softState,
            applied: raft.log.applied, lastIndex: raft.log.lastIndex, conf: raft.conf,
            progress: progress, leadTransferee: raft.leadTransferee)
    }
}

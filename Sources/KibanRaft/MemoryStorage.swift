/// A ``LogStorage`` kept in memory: for tests, the simulator, and as the reference for what a
/// durable implementation must do.
///
/// Not thread-safe: one owner drives it, like the node that reads it.
public final class MemoryStorage: LogStorage {
    /// The persisted hard state.
    public private(set) var hardState = HardState()
    /// The latest snapshot (empty at the start).
    public private(set) var snapshotValue = Snapshot()
    /// `entries[0]` is a dummy at the snapshot index with the snapshot term.
    private var log: [Entry] = [Entry(term: 0, index: 0)]

    /// Creates an empty storage: a node that waits for a leader to add it and send it a
    /// snapshot.
    public init() {}

    /// Creates the storage of a founding member of a new group: a snapshot at index 1, term 1,
    /// holding the initial configuration (and empty application state), and that commit.
    public init(bootstrap confState: ConfState) {
        precondition(!confState.voters.isEmpty, "a new group needs at least one voter")
        snapshotValue = Snapshot(metadata: SnapshotMetadata(index: 1, term: 1, confState: confState))
        log = [Entry(term: 1, index: 1)]
        hardState = HardState(term: 1, vote: 0, commit: 1)
    }

    public func initialState() throws(StorageError) -> (HardState, ConfState) {
        (hardState, snapshotValue.metadata.confState)
    }

    public func entries(_ lo: UInt64, _ hi: UInt64, maxBytes: Int) throws(StorageError) -> [Entry] {
        let offset = log[0].index
        guard lo > offset else { throw .compacted }
        guard hi <= offset + UInt64(log.count) else { throw .unavailable }
        guard lo < hi else { return [] }
        return limitSize(Array(log[Int(lo - offset)..<Int(hi - offset)]), maxBytes: maxBytes)
    }

    public func term(_ index: UInt64) throws(StorageError) -> UInt64 {
        let offset = log[0].index
        guard index >= offset else { throw .compacted }
        guard index - offset < UInt64(log.count) else { throw .unavailable }
        return log[Int(index - offset)].term
    }

    public func firstIndex() throws(StorageError) -> UInt64 { log[0].index + 1 }

    public func lastIndex() throws(StorageError) -> UInt64 { log[0].index + UInt64(log.count) - 1 }

    public func snapshot() throws(StorageError) -> Snapshot { snapshotValue }

    /// Persists the hard state.
    public func setHardState(_ state: HardState) { hardState = state }

    /// Appends entries, truncating any conflicting suffix first. The entries must be contiguous
    /// and must not leave a gap after the current last entry.
    public func append(_ entries: [Entry]) {
        guard let first = entries.first else { return }
        let offset = log[0].index
        let last = offset + UInt64(log.count) - 1
        precondition(first.index <= last + 1, "append leaves a gap: \(first.index) after \(last)")
        // Entries at or before the snapshot are already covered by it.
        let fresh = entries.filter { $0.index > offset }
        guard let head = fresh.first else { return }
        log.removeSubrange(Int(head.index - offset)...)
        log.append(contentsOf: fresh)
    }

    /// Replaces the whole log by a snapshot received from the leader.
    public func applySnapshot(_ snapshot: Snapshot) {
        guard snapshot.metadata.index > snapshotValue.metadata.index else { return }
        snapshotValue = snapshot
        log = [Entry(term: snapshot.metadata.term, index: snapshot.metadata.index)]
    }

    /// Records a snapshot of the application's state at `index` (which it has applied) and
    /// drops the entries it covers.
    public func createSnapshot(index: UInt64, confState: ConfState, data: [UInt8]) throws(StorageError) {
        let offset = log[0].index
        guard index > snapshotValue.metadata.index else { return }
        guard index <= offset + UInt64(log.count) - 1 else { throw .unavailable }
        let term = log[Int(index - offset)].term
        snapshotValue = Snapshot(
            metadata: SnapshotMetadata(index: index, term: term, confState: confState), data: data)
        log.removeSubrange(0..<Int(index - offset))
        log[0] = Entry(term: term, index: index)
    }
}

/// The log as Raft sees it: the persisted part in ``LogStorage`` followed by the ``Unstable``
/// part, with the commit and applied indexes.
struct RaftLog {
    let storage: any LogStorage
    var unstable: Unstable
    /// The highest index known to be committed.
    private(set) var committed: UInt64
    /// The highest index handed to the application.
    private(set) var applied: UInt64

    init(storage: any LogStorage, applied: UInt64) {
        self.storage = storage
        let first = Self.must { () throws(StorageError) in try storage.firstIndex() }
        let last = Self.must { () throws(StorageError) in try storage.lastIndex() }
        unstable = Unstable(offset: last + 1)
        committed = first - 1
        self.applied = max(applied, first - 1)
    }

    /// Runs a storage read that cannot be answered otherwise; a disk failure stops the node.
    static func must<T>(_ body: () throws(StorageError) -> T) -> T {
        do {
            return try body()
        } catch {
            preconditionFailure("raft log storage failed: \(error)")
        }
    }

    var firstIndex: UInt64 {
        unstable.firstIndex ?? Self.must { () throws(StorageError) in try storage.firstIndex() }
    }

    var lastIndex: UInt64 {
        unstable.lastIndex ?? Self.must { () throws(StorageError) in try storage.lastIndex() }
    }

    var lastTerm: UInt64 { term(lastIndex) ?? 0 }

    /// The last index the caller has persisted: everything before the unstable part (0 while a
    /// received snapshot waits to be persisted: nothing of the old log counts any more).
    var stableIndex: UInt64 { unstable.snapshot == nil ? unstable.offset - 1 : 0 }

    /// The term at `index`, or nil when it was compacted away or is beyond the log.
    func term(_ index: UInt64) -> UInt64? {
        // The valid range is [firstIndex - 1, lastIndex]: the snapshot's own index has a term.
        guard index + 1 >= firstIndex, index <= lastIndex else { return nil }
        if let t = unstable.term(index) { return t }
        do {
            return try storage.term(index)
        } catch .compacted {
            return nil
        } catch .unavailable {
            return nil
        } catch {
            preconditionFailure("raft log storage failed: \(error)")
        }
    }

    func matchTerm(_ index: UInt64, _ term: UInt64) -> Bool { self.term(index) == term }

    /// §5.4.1: a candidate's log is at least as up-to-date as ours.
    func isUpToDate(lastIndex index: UInt64, term: UInt64) -> Bool {
        term > lastTerm || (term == lastTerm && index >= lastIndex)
    }

    /// The index of the first entry of `entries` that is new or conflicts with ours, or nil
    /// when we already hold them all.
    func findConflict(_ entries: [Entry]) -> UInt64? {
        entries.first { !matchTerm($0.index, $0.term) }?.index
    }

    /// Fast back-off (thesis §5.3 optimisation): the largest index ≤ `index` whose term is ≤
    /// `term`, so that the leader skips a whole term of mismatching entries at once.
    func findConflictByTerm(index: UInt64, term: UInt64) -> (index: UInt64, term: UInt64) {
        var i = index
        while i > 0 {
            guard let t = self.term(i) else { return (i, 0) }
            if t <= term { return (i, t) }
            i -= 1
        }
        return (0, 0)
    }

    /// Appends entries from a leader after checking (`prevIndex`, `prevTerm`); returns the index
    /// of the last new entry and the entries actually written (those from the first conflict
    /// on), or nil on mismatch. The commit index is not changed: see ``commitTo(_:)``.
    mutating func maybeAppend(
        prevIndex: UInt64, prevTerm: UInt64,
        entries: [Entry]
    ) -> (lastNew: UInt64, appended: [Entry])? {
        guard matchTerm(prevIndex, prevTerm) else { return nil }
        let lastNew = prevIndex + UInt64(entries.count)
        guard let conflict = findConflict(entries) else { return (lastNew, []) }
        precondition(conflict > committed, "entry \(conflict) conflicts with committed \(committed)")
        let fresh = Array(entries[Int(conflict - prevIndex - 1)...])
        append(fresh)
        return (lastNew, fresh)
    }

    /// Appends entries, truncating conflicting uncommitted ones; returns the new last index.
    @discardableResult
    mutating func append(_ entries: [Entry]) -> UInt64 {
        guard let first = entries.first else { return lastIndex }
        precondition(first.index > committed, "cannot overwrite committed entry \(first.index)")
        unstable.truncateAndAppend(entries)
        return lastIndex
    }

    mutating func commitTo(_ index: UInt64) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "commit \(index) beyond last index \(lastIndex)")
        committed = index
    }

    mutating func appliedTo(_ index: UInt64) {
        guard index > 0 else { return }
        precondition(
            index <= committed && index >= applied,
            "applied \(index) outside [\(applied), \(committed)]")
        applied = index
    }

    /// Sets the commit index, also backwards. Only ``UnsafeVariant/lowerCommitFromHeartbeat``
    /// calls it.
    mutating func overwriteCommit(_ index: UInt64) {
        precondition(index <= lastIndex, "commit \(index) beyond last index \(lastIndex)")
        committed = index
    }

    /// Records entries handed out beyond the commit index. Only
    /// ``UnsafeVariant/applyUncommittedEntries`` calls it.
    mutating func appliedBeyondCommit(_ index: UInt64) {
        applied = max(applied, index)
    }

    /// Entries in `lo..<hi` within `maxBytes` (at least one), or nil if `lo` was compacted.
    func slice(_ lo: UInt64, _ hi: UInt64, maxBytes: Int) -> [Entry]? {
        guard lo < hi else { return [] }
        guard lo >= firstIndex else { return nil }
        precondition(hi <= lastIndex + 1, "slice \(lo)..<\(hi) beyond \(lastIndex)")
        var result: [Entry] = []
        if lo < unstable.offset {
            do {
                result = try storage.entries(lo, min(hi, unstable.offset), maxBytes: maxBytes)
            } catch .compacted {
                return nil
            } catch {
                preconditionFailure("raft log storage failed: \(error)")
            }
            // Storage stopped early because of the size limit.
            if UInt64(result.count) < min(hi, unstable.offset) - lo { return result }
        }
        if hi > unstable.offset {
            result.append(contentsOf: unstable.slice(max(lo, unstable.offset), hi))
        }
        return limitSize(result, maxBytes: maxBytes)
    }

    /// Entries from `index` to the end within `maxBytes`, or nil if compacted.
    func entries(from index: UInt64, maxBytes: Int) -> [Entry]? {
        guard index <= lastIndex else { return [] }
        return slice(index, lastIndex + 1, maxBytes: maxBytes)
    }

    /// Committed entries not yet handed to the application (up to `limit` instead of the commit
    /// index: only ``UnsafeVariant/applyUncommittedEntries`` passes one).
    func nextCommittedEntries(maxBytes: Int, limit: UInt64? = nil) -> [Entry] {
        let hi = limit ?? committed
        let lo = max(applied + 1, firstIndex)
        guard hi + 1 > lo else { return [] }
        return slice(lo, hi + 1, maxBytes: maxBytes) ?? []
    }

    var hasNextCommittedEntries: Bool { committed > max(applied, firstIndex - 1) }

    /// The latest snapshot: the unstable one, else storage's.
    func snapshot() -> Snapshot? {
        if let s = unstable.snapshot { return s }
        do {
            return try storage.snapshot()
        } catch {
            return nil
        }
    }

    /// Replaces the log by a snapshot; the caller persists it from ``Ready``.
    mutating func restore(_ snapshot: Snapshot) {
        committed = snapshot.metadata.index
        unstable.restore(snapshot)
    }
}

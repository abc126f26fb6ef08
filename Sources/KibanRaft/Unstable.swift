/// Entries and a snapshot that Raft has accepted but the caller has not yet persisted.
///
/// `entries[i]` has index `offset + i`. The snapshot, when present, precedes the entries.
struct Unstable {
    var snapshot: Snapshot?
    var entries: [Entry] = []
    var offset: UInt64

    /// The first index this part of the log knows, when it holds a snapshot.
    var firstIndex: UInt64? { snapshot.map { $0.metadata.index + 1 } }

    /// The last index this part of the log knows.
    var lastIndex: UInt64? {
        if let last = entries.last { return last.index }
        return snapshot?.metadata.index
    }

    /// The term at `index` if this part of the log knows it.
    func term(_ index: UInt64) -> UInt64? {
        if index < offset {
            guard let snapshot, snapshot.metadata.index == index else { return nil }
            return snapshot.metadata.term
        }
        guard let last = lastIndex, index <= last else { return nil }
        return entries[Int(index - offset)].term
    }

    /// Forgets entries the caller persisted, up to (`index`, `term`) — unless they were
    /// replaced meanwhile, in which case the persisted ones are stale.
    mutating func stableTo(index: UInt64, term: UInt64) {
        guard index >= offset, let t = self.term(index), t == term, !entries.isEmpty else { return }
        let count = Int(index - offset + 1)
        guard count <= entries.count else { return }
        entries.removeFirst(count)
        offset = index + 1
    }

    /// Forgets the snapshot once persisted.
    mutating func stableSnapshotTo(index: UInt64) {
        if snapshot?.metadata.index == index { snapshot = nil }
    }

    /// Replaces everything by a snapshot.
    mutating func restore(_ snapshot: Snapshot) {
        offset = snapshot.metadata.index + 1
        entries = []
        self.snapshot = snapshot
    }

    /// Appends `new`, first dropping every entry at or after `new[0].index`.
    mutating func truncateAndAppend(_ new: [Entry]) {
        guard let first = new.first else { return }
        let after = first.index
        if after == offset + UInt64(entries.count) {
            entries.append(contentsOf: new)
        } else if after <= offset {
            // Replaces all unstable entries; the caller truncates its storage when it persists.
            offset = after
            entries = new
        } else {
            entries.removeSubrange(Int(after - offset)...)
            entries.append(contentsOf: new)
        }
    }

    /// Entries in `lo..<hi`, all of which must be in this part.
    func slice(_ lo: UInt64, _ hi: UInt64) -> ArraySlice<Entry> {
        precondition(
            lo >= offset && hi <= offset + UInt64(entries.count) && lo <= hi,
            "unstable slice \(lo)..<\(hi) out of \(offset)..<\(offset + UInt64(entries.count))")
        return entries[Int(lo - offset)..<Int(hi - offset)]
    }
}

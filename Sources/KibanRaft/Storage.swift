/// Why a ``LogStorage`` could not answer.
public enum StorageError: Error, Sendable, Hashable {
    /// The requested index lies at or before the snapshot: the entries were compacted away.
    case compacted
    /// The requested index is past the last entry.
    case unavailable
    /// The storage failed for a reason outside Raft (a disk error); the node cannot go on.
    case failed(String)
}

/// The read-only view of the persisted log that Raft needs. The caller writes to the storage
/// (from ``Ready``) and Raft reads from it; KibanStore implements it on SQLite and
/// ``MemoryStorage`` in memory.
///
/// Entries between ``firstIndex()`` and ``lastIndex()`` must be available. Index
/// `firstIndex() - 1` is the snapshot's index; its term must be available from ``term(_:)``.
public protocol LogStorage: AnyObject {
    /// The persisted hard state and the configuration of the latest snapshot.
    func initialState() throws(StorageError) -> (HardState, ConfState)
    /// Entries in `lo..<hi`, at most `maxBytes` in total, but always at least one.
    func entries(_ lo: UInt64, _ hi: UInt64, maxBytes: Int) throws(StorageError) -> [Entry]
    /// The term of the entry at `index` (or of the snapshot when `index` is its index).
    func term(_ index: UInt64) throws(StorageError) -> UInt64
    /// The index of the first entry still stored (the snapshot index + 1).
    func firstIndex() throws(StorageError) -> UInt64
    /// The index of the last stored entry (the snapshot index when the log is empty).
    func lastIndex() throws(StorageError) -> UInt64
    /// The latest snapshot, for followers that need entries already compacted.
    func snapshot() throws(StorageError) -> Snapshot
}

/// Trims `entries` so that their total size stays within `maxBytes`, keeping at least one.
func limitSize(_ entries: [Entry], maxBytes: Int) -> [Entry] {
    guard !entries.isEmpty else { return entries }
    var total = entries[0].sizeBytes
    var count = 1
    while count < entries.count {
        total += entries[count].sizeBytes
        if total > maxBytes { break }
        count += 1
    }
    return Array(entries.prefix(count))
}

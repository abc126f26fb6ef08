import Foundation

/// What a backup holds: the point in the history it was taken at.
public struct BackupInfo: Sendable, Hashable, Codable {
    /// The size of the file, in bytes.
    public var bytes: Int64
    /// The store revision of the copy.
    public var revision: Int64
    /// The Raft index whose effects are the last in the copy.
    public var appliedIndex: UInt64

    /// Creates a summary.
    public init(bytes: Int64, revision: Int64, appliedIndex: UInt64) {
        self.bytes = bytes
        self.revision = revision
        self.appliedIndex = appliedIndex
    }
}

/// Backups (`kiban snapshot save`): a consistent copy of the state, the same image a lagging
/// follower receives. Restoring one is ``SnapshotRestore``.
extension Store {
    /// Writes a consistent copy of state.db to `path` (replaced if it exists), after a
    /// linearizable read barrier: the copy holds every write acknowledged before the call.
    ///
    /// ```swift
    /// let info = try await store.backup(to: "/var/lib/kiban/backup.db")
    /// ```
    /// - Throws: ``StoreError`` `unavailable` (no leader confirmed the read point), `database`
    ///   (the copy could not be written: check free space).
    public func backup(to path: String) async throws(StoreError) -> BackupInfo {
        try await readBarrier()
        try machine.copy(to: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return BackupInfo(bytes: size, revision: machine.revision, appliedIndex: machine.appliedIndex)
    }
}

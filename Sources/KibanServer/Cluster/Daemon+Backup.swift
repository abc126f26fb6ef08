import Foundation
import KibanStore

extension Daemon {
    /// `kiban snapshot save`: a consistent copy of the state written to a new file in the data
    /// directory, which the admin API streams to the caller and then deletes.
    /// - Returns: the file's path and what it holds.
    /// - Throws: ``ServerError`` `conflict` (not in a cluster), `unavailable` (no leader
    ///   confirmed the read point), `internal` (the copy could not be written).
    func backup() async throws(ServerError) -> (String, BackupInfo) {
        let store = try requireStore()
        let path = config.dataDir + "/backup-\(Self.randomHex(bytes: 6)).db"
        do throws(ServerError) {
            let info = try await storeCall { () throws(StoreError) in try await store.backup(to: path) }
            return (path, info)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// The public id of this member's key-encryption key (never the key).
    var kekID: String? { kek?.id }
}

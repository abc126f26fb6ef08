import Foundation
import KibanNetboot
import KibanStore
import Logging

extension Daemon {
    /// This member's blob directory.
    nonisolated var blobDirectory: BlobDirectory { BlobDirectory(dataDir: config.dataDir, limits: config.blobLimits) }

    /// What this member's presence keys say: its name and netboot HTTP endpoint.
    nonisolated var presenceRecord: PresenceRecord {
        PresenceRecord(member: config.name, http: "http://\(config.advertiseAddress):\(config.httpPort)")
    }

    /// Prepares the blob directory (interrupted uploads deleted) and the replicator that runs
    /// beside ``maintain()``.
    func makeBlobReplicator(_ local: LocalMember, store: Store, credentials: PeerCredentials, logger: Logger) -> BlobReplicator {
        do {
            let removed = try blobDirectory.prepare()
            if removed > 0 { logger.notice("deleted interrupted uploads", metadata: ["kiban.blobs.count": "\(removed)"]) }
        } catch {
            logger.error("the blob directory is unusable", metadata: ["kiban.blobs.error": "\(error)"])
        }
        return BlobReplicator(
            store: store, blobs: blobDirectory, member: local.name, selfID: local.id, presence: presenceRecord,
            directory: directory, credentials: credentials, settings: blobSettings, logger: logger)
    }

    /// Presence records by blob hash, of current members only (a removed member cannot withdraw
    /// its keys, and no longer serves anything).
    func memberPresence(_ store: Store) async throws(ServerError) -> [String: [PresenceRecord]] {
        let all = try await storeCall { () throws(StoreError) in try await store.presenceByBlob() }
        let members = Set(directory.all.map(\.name))
        return all.mapValues { $0.filter { members.contains($0.member) } }
    }

    /// The blob side of the peer server.
    nonisolated var blobSender: BlobSender {
        BlobSender(blobs: blobDirectory, bytesPerSecondMax: blobSettings.sendBytesPerSecondMax)
    }

    nonisolated var blobSettings: BlobSyncSettings { BlobSyncSettings.fromEnvironment() }
}

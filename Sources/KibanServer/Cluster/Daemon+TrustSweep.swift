import Foundation
import KibanStore

extension Daemon {
    /// The deny list of removed members' certificates.
    func deniedCertificates(_ store: Store) async throws(StoreError) -> [DeniedCertificate] {
        let page = try await store.range(.prefix(ClusterKey.deniedPrefix), consistency: .serializable)
        return page.kvs.compactMap { try? JSONDecoder().decode(DeniedCertificate.self, from: Data($0.value)) }
    }

    /// Whether the leader promotes caught-up learners by itself (`kiban members auto-promote`).
    func autoPromote(_ store: Store) async -> Bool {
        (try? await store.record(ClusterSettings.self, at: ClusterKey.settings, consistency: .serializable))?.value.autoPromote ?? true
    }

    /// On the leader: deletes tokens past their expiry and deny-list entries whose certificate
    /// has expired (TLS refuses it anyway), each a compare on the mod revision it was read at.
    func sweepExpiredTrust(_ store: Store, now: Date) async {
        guard await store.status.role == .leader else { return }
        let cutoff = now.timeIntervalSince1970
        var expired: [(key: [UInt8], revision: Int64)] = []
        if let tokens = try? await store.range(.prefix(ClusterKey.tokensPrefix), consistency: .serializable) {
            for kv in tokens.kvs {
                if let t = try? JSONDecoder().decode(TokenRecord.self, from: Data(kv.value)), t.expiresAt <= cutoff {
                    expired.append((kv.key, kv.modRevision))
                }
            }
        }
        if let denied = try? await store.range(.prefix(ClusterKey.deniedPrefix), consistency: .serializable) {
            for kv in denied.kvs {
                if let d = try? JSONDecoder().decode(DeniedCertificate.self, from: Data(kv.value)), d.notAfter <= cutoff {
                    expired.append((kv.key, kv.modRevision))
                }
            }
        }
        var swept = 0
        for (key, revision) in expired {
            let txn = Txn(compares: [Compare(key, .equal, .modRevision(revision))], success: [.delete(.key(key))])
            if (try? await store.txn(txn))?.succeeded == true { swept += 1 }
        }
        if swept > 0 { logger.info("deleted expired tokens and deny-list entries", metadata: ["kiban.server.count": "\(swept)"]) }
    }
}

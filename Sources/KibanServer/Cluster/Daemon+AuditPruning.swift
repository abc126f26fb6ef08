import Foundation
import KibanInventory
import KibanRaft

extension Daemon {
    /// Prunes the inventory's audit log while this member runs: only the leader deletes, so one
    /// member decides and the deletes reach every member through the log in the same order.
    /// The retention is the cluster setting (`kiban logs set-retention`); it is read every
    /// second, and records are pruned every quarter of the retention, at least every second and
    /// at most every ``auditPruneSecondsMax``.
    func pruneAuditLogWhileRunning() async {
        var lastPrune = ContinuousClock.now - .seconds(Self.auditPruneSecondsMax)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard let running else { return }
            guard await running.store.status.role == .leader else { continue }
            do {
                let retention = try await running.inventory.currentAuditRetention()
                let interval = Duration.seconds(min(Self.auditPruneSecondsMax, max(1, retention / 4)))
                guard ContinuousClock.now - lastPrune >= interval else { continue }
                lastPrune = ContinuousClock.now
                let deleted = try await running.inventory.pruneAuditLog(now: Date(), retention: retention)
                if deleted > 0 {
                    logger.info("pruned the audit log", metadata: ["kiban.server.deleted": "\(deleted)",
                                                                 "kiban.server.retention_seconds": "\(Int64(retention))"])
                }
            } catch {
                logger.info("audit pruning deferred", metadata: ["kiban.server.error": "\(error)"])
            }
        }
    }

    /// The longest pause between two prunings.
    static var auditPruneSecondsMax: Double { 3600 }
}

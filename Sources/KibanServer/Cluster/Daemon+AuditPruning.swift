import Foundation
import KibanCA
import KibanInventory
import KibanRaft
import KibanStore

extension Daemon {
    /// Keeps the audit log while this member runs: only the leader writes, so one member
    /// decides and the deletes reach every member through the log in the same order. The
    /// first time it leads, it moves records of the formats before the one log into it; then
    /// it prunes with the cluster's one retention (`kiban audit set-retention`), read every
    /// second, every quarter of the retention, at least every second and at most every
    /// ``auditPruneSecondsMax``.
    func pruneAuditLogWhileRunning() async {
        var lastPrune = ContinuousClock.now - .seconds(Self.auditPruneSecondsMax)
        var migrated = false
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard let running else { return }
            guard await running.store.status.role == .leader else { continue }
            do {
                if !migrated {
                    try await migrateAuditLogs(running)
                    migrated = true
                }
                let retention = try await running.store.auditRetention()
                let interval = Duration.seconds(min(Self.auditPruneSecondsMax, max(1, retention / 4)))
                guard ContinuousClock.now - lastPrune >= interval else { continue }
                lastPrune = ContinuousClock.now
                let deleted = try await running.store.pruneAuditLog(now: Date(), retention: retention)
                if deleted > 0 {
                    logger.info(
                        "pruned the audit log",
                        metadata: [
                            "kiban.server.deleted": "\(deleted)",
                            "kiban.server.retention_seconds": "\(Int64(retention))",
                        ])
                }
            } catch {
                logger.info("audit log upkeep deferred", metadata: ["kiban.server.error": "\(error)"])
            }
        }
    }

    /// Moves the inventory's, the PKI's and the cluster's audit records of the formats before
    /// the one log into it (each batch in one transaction; nothing is left to move afterwards).
    func migrateAuditLogs(_ running: Running) async throws {
        let moved =
            try await running.inventory.migrateAuditLog()
            + (try await PKIService.migrateAuditLog(in: running.store))
            + (try await running.store.migrateAudit(from: ClusterKey.legacyAuditPrefix, convert: Self.auditEntry(legacy:)))
        if moved > 0 { logger.notice("moved older audit records into the audit log", metadata: ["kiban.server.moved": "\(moved)"]) }
    }

    /// The entry of a cluster audit record of the format before the one log: its action text
    /// (`token create ID for NAME`) becomes the action (`token.create`) and the detail.
    static func auditEntry(legacy kv: KeyValue) -> AuditEntry {
        guard let r = try? JSONDecoder().decode(LegacyAuditRecord.self, from: Data(kv.value)) else {
            return AuditEntry(
                time: Date(timeIntervalSince1970: 0), actor: "", member: "", action: "cluster.unreadable",
                subject: String(decoding: kv.key, as: UTF8.self), detail: String(decoding: kv.value.prefix(4096), as: UTF8.self))
        }
        let words = r.action.split(separator: " ").map(String.init)
        let verb = words.prefix(2).joined(separator: " ")
        let action: String
        if let named = legacyActions[verb] {
            action = named
        } else if let noun = legacyActions[words.first ?? ""], words.count > 1 {
            action = "\(noun).\(words[1])"
        } else {
            action = words.prefix(2).joined(separator: ".")
        }
        let caller = Caller(pid: r.pid, uid: r.uid, gid: r.gid)
        return AuditEntry(
            time: Date(timeIntervalSince1970: r.time), actor: r.pid == 0 ? "cluster" : caller.auditUser, member: "",
            action: action, subject: words.count > 2 ? words[2] : "", detail: r.action)
    }

    /// The older cluster records' verbs whose action is named otherwise in the one log.
    static let legacyActions = [
        "members admit": "member.join", "init cluster": "cluster.init", "snapshot save": "backup.download",
        "kv del": "kv.delete", "members": "member", "templates": "template",
    ]

    /// The longest pause between two prunings.
    static var auditPruneSecondsMax: Double { 3600 }
}

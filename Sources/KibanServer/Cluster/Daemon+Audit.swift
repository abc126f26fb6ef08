import Foundation
import KibanStore

/// The daemon's entries in the cluster's one audit log (``AuditLog``): membership, tokens,
/// images, templates, kv changes, backups. A change that is a store write carries its entry in
/// its own transaction (``auditPut(_:_:_:detail:)``); what is no store write — a Raft
/// configuration change, a leadership transfer, a compaction, a download — is recorded by a
/// write right after it succeeded (``audit(_:_:_:detail:outcome:)``).
extension Daemon {
    /// The entry of a change `caller` asked for.
    func auditEntry(
        _ caller: Caller, _ action: String, _ subject: String, detail: String = "",
        outcome: String = AuditEntry.ok
    ) -> AuditEntry {
        AuditEntry(
            time: Date(), actor: auditActor(caller),
            member: caller.member ?? memberName, action: action, subject: subject, detail: detail, outcome: outcome)
    }

    /// The caller as audit entries name them: `cluster` for the daemon's own work.
    func auditActor(_ caller: Caller) -> String {
        caller.pid == 0 ? "cluster" : caller.auditUser
    }

    /// The put that records a change, for the change's own transaction.
    func auditPut(
        _ caller: Caller, _ action: String, _ subject: String, detail: String = "",
        outcome: String = AuditEntry.ok
    ) throws(ServerError) -> KibanStore.Operation {
        logger.notice(
            "audit",
            metadata: [
                "kiban.server.uid": "\(caller.uid)", "kiban.server.action": "\(action)",
                "kiban.server.subject": "\(subject)",
            ])
        AdminMetrics(factory: metrics.factory).audited()
        do { return try AuditLog.put(auditEntry(caller, action, subject, detail: detail, outcome: outcome)) } catch { throw ServerError(error) }
    }

    /// Records what is no store write, after it happened. A failure to record is logged: the
    /// event itself cannot be undone.
    func audit(_ caller: Caller, _ action: String, _ subject: String, detail: String = "", outcome: String = AuditEntry.ok) async {
        guard let store = running?.store else { return }
        do {
            let put = try auditPut(caller, action, subject, detail: detail, outcome: outcome)
            _ = try await store.txn(Txn(success: [put]))
        } catch {
            logger.warning("could not write an audit entry", metadata: ["kiban.server.action": "\(action)", "kiban.server.error": "\(error)"])
        }
    }

    /// Deletes `key` if it exists, with its audit entry in the same transaction; returns what
    /// was deleted (nothing, and no entry, when the key did not exist).
    func deleteAudited(_ key: [UInt8], _ audit: KibanStore.Operation, store: Store) async throws(ServerError) -> [KeyValue] {
        let result = try await storeCall { () throws(StoreError) in
            try await store.txn(Txn(compares: [Compare(key, .greater, .version(0))], success: [.delete(.key(key)), audit]))
        }
        guard result.succeeded, case .delete(let deleted)? = result.results.first else { return [] }
        return deleted
    }

    /// `kiban audit`: one page of the audit log (linearizable).
    func auditLog(_ query: AuditQuery) async throws(ServerError) -> AuditPage {
        let store = try requireStore()
        return try await storeCall { () throws(StoreError) in try await store.auditLog(query) }
    }

    /// This member's name, as audit entries name the member a command came from.
    var memberName: String { running?.local.name ?? config.name }
}

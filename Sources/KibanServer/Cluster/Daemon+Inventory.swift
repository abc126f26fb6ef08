import Foundation
import KibanInventory
import KibanStore

/// `POST /v1/machines`: how many machines were registered.
struct ImportAnswer: Codable, Sendable {
    var imported: Int
}

/// The inventory on this member's store: IPAM, machines and the audit log (docs/inventory.md).
/// Every change carries the caller's uid and gid into its audit record. Writes on a follower are
/// forwarded to the leader by the store; reads are linearizable.
extension Daemon {
    /// The inventory service of the running member.
    func inventoryService(_ store: Store, member: String) -> InventoryService {
        var inventory = InventoryService(store: store)
        inventory.auditMember = member
        return inventory
    }

    /// The inventory service of the running member.
    func inventoryService() throws(ServerError) -> InventoryService {
        _ = try requireStore()
        guard let running else { preconditionFailure("requireStore() returned, so a member is running") }
        return running.inventory
    }

    /// The IPAM configuration; `notFound` when none is set.
    func ipam() async throws(ServerError) -> IPAMConfig {
        let inventory = try inventoryService()
        let current: IPAMConfig?
        do { current = try await inventory.ipam() } catch { throw ServerError(answering: error) }
        guard let config = current else {
            throw ServerError(.notFound, "no IPAM configuration is set; set one with kiban ipam set FILE (docs/inventory.md has an example)")
        }
        return config
    }

    /// Sets the IPAM configuration from a JSON or YAML document; returns the change's revision.
    func setIPAM(_ document: [UInt8], caller: Caller) async throws(ServerError) -> Int64 {
        let inventory = try inventoryService()
        let revision: Int64
        do {
            revision = try await inventory.setIPAM(try InventoryFormat.ipam(from: document), user: caller.auditUser, now: Date())
        } catch {
            throw ServerError(answering: error)
        }
        logChange(caller, "ipam set")
        return revision
    }

    /// Registers every machine of a JSON or YAML list (sabakan's machines file as is), or none.
    func importMachines(_ document: [UInt8], caller: Caller) async throws(ServerError) -> ImportAnswer {
        let inventory = try inventoryService()
        let added: [Machine]
        do {
            added = try await inventory.importMachines(
                try InventoryFormat.registrations(from: document),
                user: caller.auditUser, now: Date())
        } catch {
            throw ServerError(answering: error)
        }
        logChange(caller, "machines import \(added.count)")
        return ImportAnswer(imported: added.count)
    }

    /// The machines a query selects (sabakan's parameters), as sabakan's documents.
    func machines(parameters: [(name: String, value: String)]) async throws(ServerError) -> [MachineDocument] {
        let inventory = try inventoryService()
        do {
            let query = try MachineQuery(parameters: parameters)
            guard let ipam = try await inventory.ipam() else { return [] }
            let now = Date()
            return try await inventory.machines(query).map { MachineDocument($0, ipam: ipam, now: now) }
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// Applies one change to machine `serial` and answers its new document.
    func changeMachine(
        _ serial: String, caller: Caller, _ what: String,
        _ change: @Sendable (InventoryService, String, Date) async throws -> Machine
    ) async throws(ServerError) -> MachineDocument {
        let inventory = try inventoryService()
        let document: MachineDocument
        do {
            let now = Date()
            let machine = try await change(inventory, caller.auditUser, now)
            guard let ipam = try await inventory.ipam() else {
                throw InventoryError(.noIPAM, "no IPAM configuration is set; set one with kiban ipam set FILE")
            }
            document = MachineDocument(machine, ipam: ipam, now: now)
        } catch {
            throw ServerError(answering: error)
        }
        logChange(caller, "machines \(what) \(serial)")
        return document
    }

    /// Removes the retired machine `serial`.
    func removeMachine(_ serial: String, caller: Caller) async throws(ServerError) {
        let inventory = try inventoryService()
        do { try await inventory.remove(serial, user: caller.auditUser, now: Date()) } catch { throw ServerError(answering: error) }
        logChange(caller, "machines remove \(serial)")
    }

    /// Audit records with `since <= ts < until`; each bound is a `YYYYMMDD` day or an RFC 3339 time.
    func auditLog(since: String?, until: String?) async throws(ServerError) -> [KibanInventory.AuditRecord] {
        let inventory = try inventoryService()
        let from = try Self.time(since, "since") ?? Date(timeIntervalSince1970: 0)
        let to = try Self.time(until, "until") ?? Date.distantFuture
        do { return try await inventory.auditLog(since: from, until: to) } catch { throw ServerError(answering: error) }
    }

    /// The cluster's audit retention in seconds.
    func auditRetention() async throws(ServerError) -> AuditRetention {
        let store = try requireStore()
        return AuditRetention(seconds: Int64(try await storeCall { () throws(StoreError) in try await store.auditRetention() }))
    }

    /// Sets the cluster's audit retention (one setting for the whole audit log).
    func setAuditRetention(_ retention: AuditRetention, caller: Caller) async throws(ServerError) -> AuditRetention {
        let store = try requireStore()
        let entry = auditEntry(caller, "audit.set-retention", "retention", detail: "\(retention.seconds) s")
        try await storeCall { () throws(StoreError) in try await store.setAuditRetention(TimeInterval(retention.seconds), entry: entry) }
        logChange(caller, "audit set-retention \(retention.seconds)")
        return retention
    }

    static func time(_ text: String?, _ name: String) throws(ServerError) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        guard let date = InventoryFormat.time(text) else {
            throw ServerError(.badRequest, "\(name)=\(text) is neither a day (YYYYMMDD) nor an RFC 3339 time (2026-11-26T19:40:00Z)")
        }
        return date
    }

    /// The daemon's log line for a change (the audit record itself is in the store).
    func logChange(_ caller: Caller, _ action: String) {
        logger.notice(
            "audit",
            metadata: [
                "kiban.server.uid": "\(caller.uid)", "kiban.server.gid": "\(caller.gid)",
                "kiban.server.action": "\(action)",
            ])
    }
}

/// `GET|PUT /v1/audit/retention` (and `/v1/logs/retention`, its older name).
struct AuditRetention: Codable, Sendable {
    var seconds: Int64
}

import Foundation
import KibanInventory
import KibanStore
import Testing

@Suite("Inventory audit records of the format before the one log")
struct InventoryAuditMigrationTests {
    @Test("Records under inventory/audit/ and the old retention move into the audit log once, unreadable ones kept as text")
    func migrate() async throws {
        let (cluster, inventory) = try await exampleInventory()
        let store = inventory.store
        let record =
            #"{"action":"set-state","category":"machines","detail":"healthy","instance":"a1","rev":0,"ts":"2027-01-15T08:00:00Z","user":"uid=0(root) gid=0(root)"}"#
        _ = try await store.put(Array("inventory/audit/20270115/00000000000000a0/machines/a1/set-state".utf8), Array(record.utf8))
        _ = try await store.put(Array("inventory/audit/20270115/00000000000000a1/machines/a2/remove".utf8), Array("not json".utf8))
        _ = try await store.put(Array("inventory/audit-retention".utf8), Array("7200".utf8))
        #expect(try await inventory.migrateAuditLog() == 2)
        #expect(try await inventory.migrateAuditLog() == 0)
        #expect(try await store.range(.prefix(Array("inventory/audit".utf8))).kvs.isEmpty)
        #expect(try await store.auditRetention() == 7200)
        let entries = try await store.auditLog(AuditQuery(action: "inventory")).entries
        let moved = try #require(entries.first { $0.subject == "a1" })
        #expect(moved.action == "inventory.machines.set-state" && moved.detail == "healthy" && moved.actor == "uid=0(root) gid=0(root)")
        #expect(moved.time == t0, "2027-01-15T08:00:00Z")
        #expect(entries.contains { $0.action == "inventory.unreadable" && $0.detail == "not json" })
        #expect(try await inventory.auditLog(since: t0, until: t0 + 1).contains { $0.instance == "a1" })
        await cluster.stop()
    }
}

import Foundation
import KibanStore
import Testing

@Suite("The audit log")
struct AuditLogTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func entry(_ action: String, _ subject: String, at time: Date) -> AuditEntry {
        AuditEntry(time: time, actor: "uid=0(root) gid=0(root)", member: "m1", action: action, subject: subject)
    }

    @Test("An entry commits with its change, with the change's revision; a change whose compare fails leaves no entry")
    func sameTransaction() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let store = c[1]
        let change = try await store.txn(
            Txn(
                compares: [Compare(b("k"), .equal, .version(0))],
                success: [
                    .put(key: b("k"), value: b("1"), lease: 0),
                    try AuditLog.put(entry("kv.put", "k", at: t0)),
                ]))
        #expect(change.succeeded)
        let failed = try await store.txn(
            Txn(
                compares: [Compare(b("k"), .equal, .version(0))],
                success: [
                    .put(key: b("k"), value: b("2"), lease: 0),
                    try AuditLog.put(entry("kv.put", "k", at: t0 + 1)),
                ]))
        #expect(!failed.succeeded)
        let log = try await store.auditLog(AuditQuery())
        #expect(log.entries.count == 1 && log.next == nil)
        #expect(log.entries.first?.revision == change.revision && log.entries.first?.time == t0)
        #expect(try await store.get(b("k"))?.value == b("1"))
        await c.stopAll()
    }

    @Test("Pruning deletes every subsystem's entries older than the retention and keeps the newer ones")
    func pruneAcrossSubsystems() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let store = c[1]
        let actions = ["inventory.machines.register", "pki.issue", "token.create", "member.join", "backup.download"]
        let day: TimeInterval = 86_400
        for (i, action) in actions.enumerated() {
            _ = try await store.txn(
                Txn(success: [
                    try AuditLog.put(entry(action, "old-\(i)", at: t0 + Double(i))),
                    try AuditLog.put(entry(action, "new-\(i)", at: t0 + 10 * day + Double(i))),
                ]))
        }
        let deleted = try await store.pruneAuditLog(now: t0 + 15 * day, retention: 5 * day + 60)
        #expect(deleted == actions.count)
        let left = try await store.auditLog(AuditQuery()).entries
        #expect(left.map(\.subject) == (0..<actions.count).map { "new-\($0)" })
        #expect(Set(left.map(\.action)) == Set(actions))
        await c.stopAll()
    }

    @Test("A listing filters by time, action prefix and subject, and pages with a cursor through a large log")
    func filtersAndPaging() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let store = c[1]
        for batch in 0..<5 {
            let ops = try (0..<500).map { i throws(StoreError) in
                let n = batch * 500 + i
                return try AuditLog.put(entry(n % 2 == 0 ? "token.create" : "tokens.other", "s\(n % 10)", at: t0 + Double(n)))
            }
            _ = try await store.txn(Txn(success: ops))
        }
        var query = AuditQuery()
        var seen: [AuditEntry] = []
        for _ in 0..<10 {
            let page = try await store.auditLog(query)
            #expect(page.entries.count <= AuditLog.pageEntriesMax)
            seen += page.entries
            guard let next = page.next else { break }
            query.after = next
        }
        #expect(seen.count == 2500 && seen.map(\.time) == (0..<2500).map { t0 + Double($0) })
        let tokens = try await store.auditLog(AuditQuery(since: t0 + 100, until: t0 + 200, action: "token", subject: "s4"))
        #expect(tokens.entries.map(\.time) == stride(from: 104.0, to: 200, by: 10).map { t0 + $0 })
        #expect(try await store.auditLog(AuditQuery(action: "token.create", limit: 3)).entries.count == 3)
        await c.stopAll()
    }

    @Test("Records of an older format move into the log once, each batch with the deletion of the old keys")
    func migration() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let store = c[1]
        for i in 0..<1_200 { _ = try await store.put(b("old/audit/\(1_000 + i)"), b("record \(i)")) }
        let convert: @Sendable (KeyValue) -> AuditEntry = { kv in
            AuditEntry(
                time: Date(timeIntervalSince1970: 1_700_000_000), actor: "", member: "", action: "old.record",
                subject: String(decoding: kv.key, as: UTF8.self), detail: String(decoding: kv.value, as: UTF8.self))
        }
        #expect(try await store.migrateAudit(from: b("old/audit/"), convert: convert) == 1_200)
        #expect(try await store.migrateAudit(from: b("old/audit/"), convert: convert) == 0)
        #expect(try await store.range(.prefix(b("old/audit/"))).kvs.isEmpty)
        var query = AuditQuery(action: "old")
        var moved = 0
        for _ in 0..<3 {
            let page = try await store.auditLog(query)
            moved += page.entries.count
            guard let next = page.next else { break }
            query.after = next
        }
        #expect(moved == 1_200)
        await c.stopAll()
    }

    @Test("The retention is one setting, written with its own entry, within bounds")
    func retention() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let store = c[1]
        #expect(try await store.auditRetention() == AuditLog.retentionDefaultSeconds)
        let revision = try await store.setAuditRetention(3_600, entry: entry("audit.set-retention", "retention", at: t0))
        #expect(try await store.auditRetention() == 3_600)
        #expect(try await store.auditLog(AuditQuery()).entries.map(\.revision) == [revision])
        await #expect(throws: StoreError.self) { try await store.setAuditRetention(0.5, entry: entry("audit.set-retention", "retention", at: t0)) }
        _ = try await store.put(b("old-retention"), b("120"))
        try await store.migrateAuditRetention(from: b("old-retention"))
        #expect(try await store.auditRetention() == 3_600, "a retention already set wins")
        #expect(try await store.get(b("old-retention")) == nil)
        await c.stopAll()
    }
}

import Foundation
import KibanStore
import KibanTestSupport
import Testing

@testable import KibanServer

/// The one audit log on a real 3-member cluster: every subsystem's changes, each with the
/// member the command came from, on every member; one retention prunes them all.
@Suite("The audit log on a real cluster", .serialized, .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/openssl")))
struct AuditClusterTests {
    @Test("Joins, promotions, tokens, backups, PKI issuance and inventory changes are in one log, and one retention prunes them all")
    func everyAction() async throws {
        let root = try temporaryDirectory("kiban-audit")
        let cluster = try await DaemonTestSupport.cluster(3, prefix: "aud", root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let follower = try #require(try DaemonTestSupport.followers(cluster).first)

        let token = follower.cli("token", "create", "later", "-o", "json")
        #expect(token.code == 0, "\(token.stderr)")
        let tokenID = try #require(token.json["id"] as? String)
        #expect(follower.cli("token", "revoke", tokenID).code == 0)
        #expect(follower.cli("snapshot", "save", root + "/backup.db").code == 0)
        let role = root + "/web.yaml"
        try "issuer: root\nallowed_names: [web]\nmax_ttl: 24h\n".write(toFile: role, atomically: true, encoding: .utf8)
        #expect(follower.cli("ca", "roles", "set", "web", role).code == 0)
        let issued = follower.cli("ca", "issue", "web", "--cn", "web", "--ttl", "1h", "--out-dir", root + "/web")
        #expect(issued.code == 0, "\(issued.stderr)")
        #expect(follower.cli("ipam", "set", InventoryCLITests.fixtures + "/ipam.yml").code == 0)

        let expected: [(action: String, subject: String, member: String?)] = [
            ("member.join", "aud-2", nil), ("member.join", "aud-3", nil),
            ("member.promote", "aud-2", nil), ("member.promote", "aud-3", nil),
            ("token.create", tokenID, follower.name), ("token.revoke", tokenID, follower.name),
            ("backup.download", "", follower.name), ("pki.role-set", "web", follower.name), ("pki.issue", "", follower.name),
            ("inventory.ipam.set", "ipam", follower.name),
        ]
        for m in cluster.members {
            try await poll("\(m.name) to list every action", seconds: DaemonTestSupport.waitSeconds) {
                let entries = m.auditEntries()
                return expected.allSatisfy { e in
                    entries.contains {
                        $0["action"] as? String == e.action && (e.subject.isEmpty || $0["subject"] as? String == e.subject)
                            && (e.member == nil || $0["member"] as? String == e.member) && $0["outcome"] as? String == "ok"
                    }
                }
            }
        }
        let tokens = follower.auditEntries("--action", "token")
        // The two join tokens of the cluster's making, then this one's creation and revocation.
        #expect(tokens.count == 4 && tokens.allSatisfy { ($0["actor"] as? String)?.hasPrefix("uid=\(getuid())") == true }, "\(tokens)")
        let table = follower.cli("audit")
        #expect(table.stdout.hasPrefix("TIME") && table.stdout.contains("member.join"), "\(table.stdout)")
        let paged = follower.cli("audit", "--limit", "2", "-o", "json")
        #expect(paged.stderr.contains("--after"), "\(paged.stderr)")
        #expect(follower.cli("ca", "audit").stdout.contains("issue"), "the PKI's view of the log")
        #expect(follower.cli("logs", "-o", "json").stdout.contains("\"category\":\"ipam\""), "the inventory's view of the log")

        // A record of the format before the one log is moved into it by a leader that has not
        // moved older records yet (here: the member that takes over the leadership).
        let legacy =
            #"{"action":"set-state","category":"machines","detail":"healthy","instance":"legacy-1","rev":0,"ts":"2026-11-01T00:00:00Z","user":"uid=0(root) gid=0(root)"}"#
        #expect(follower.cli("kv", "put", "inventory/audit/20261101/00000000000000a0/machines/legacy-1/set-state", legacy).code == 0)
        #expect(follower.cli("members", "transfer-leader", follower.name).code == 0)
        try await poll("the new leader to move the older record", seconds: DaemonTestSupport.waitSeconds) {
            !follower.audited("inventory.machines.set-state", "legacy-1").isEmpty
        }
        #expect(follower.cli("kv", "list", "inventory/audit/", "-o", "json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")

        // One retention, set anywhere, prunes every subsystem's entries on every member.
        #expect(follower.cli("audit", "set-retention", "3s").code == 0)
        let subsystems = ["member", "token", "backup", "pki", "inventory", "cluster"]
        try await poll("every member to lose every subsystem's old entries", seconds: 60) {
            cluster.members.allSatisfy { m in
                let r = m.cli("audit", "-o", "json")
                guard r.code == 0, let entries = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] else { return false }
                return !entries.contains { e in subsystems.contains { (e["action"] as? String)?.hasPrefix($0 + ".") == true } }
            }
        }
        #expect(follower.cli("audit", "set-retention", "1h").code == 0)
        #expect(cluster.members[0].cli("audit", "retention").stdout.contains("1h"))
    }

    @Test("A cluster audit record of the format before the one log becomes an entry with a dotted action")
    func legacyRecord() {
        let value = Array(#"{"action":"token create 3f9a0c for boot-2","gid":0,"pid":412,"time":1800000000,"uid":0}"#.utf8)
        let entry = Daemon.auditEntry(
            legacy: KeyValue(key: Array("/kiban/audit/1".utf8), value: value, createRevision: 1, modRevision: 1, version: 1, lease: 0))
        #expect(entry.action == "token.create" && entry.subject == "3f9a0c" && entry.detail == "token create 3f9a0c for boot-2")
        #expect(entry.actor.hasPrefix("uid=0") && entry.time == Date(timeIntervalSince1970: 1_800_000_000))
        let cluster = Daemon.auditEntry(
            legacy: KeyValue(
                key: Array("/kiban/audit/2".utf8),
                value: Array(#"{"action":"members promote b","gid":0,"pid":0,"time":1,"uid":0}"#.utf8),
                createRevision: 1, modRevision: 1, version: 1, lease: 0))
        #expect(cluster.actor == "cluster" && cluster.action == "member.promote" && cluster.subject == "b")
    }
}

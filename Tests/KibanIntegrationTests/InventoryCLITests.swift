import Foundation
import KibanTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The inventory through the `kiban` CLI against a 3-member cluster of real `kiban server`
/// processes: writes through a follower, reads on every member.
@Suite("Inventory through the CLI on a real cluster", .serialized)
struct InventoryCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/inventory").path

    /// A running 3-member cluster and a follower of it.
    static func cluster(_ label: String) async throws -> (Cluster, ServerProcess, String) {
        let root = try temporaryDirectory(label)
        let cluster = try await Cluster.start(3, prefix: "inv", root: root)
        try await cluster.initialize()
        try await cluster.joinOthers()
        var leader: String?
        try await poll("a leader every member agrees on", seconds: 60) {
            leader = cluster.leader(seenBy: cluster.members[0])
            return leader != nil && cluster.members.allSatisfy { cluster.leader(seenBy: $0) == leader }
        }
        let follower = try #require(cluster.members.first { $0.name != leader })
        return (cluster, follower, root)
    }

    /// `machines get ARGS -o json`, decoded.
    static func machines(_ m: ServerProcess, _ args: String...) throws -> [[String: Any]] {
        let r = ServerProcess.run(["machines", "get"] + args + ["-o", "json", "--socket", m.socket])
        guard r.code == 0 else { throw TestFailure("machines get \(args) failed: \(r.stderr)") }
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    static func serials(_ documents: [[String: Any]]) -> Set<String> {
        Set(documents.compactMap { ($0["spec"] as? [String: Any])?["serial"] as? String })
    }

    /// The fixture's machines, as written.
    static func fixtureMachines() throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/sabakan-machines.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
    }

    @Test("IPAM, a sabakan machines file, queries, lifecycle and the audit log work through any member")
    func inventoryThroughFollower() async throws {
        let (cluster, follower, root) = try await Self.cluster("kiban-inventory")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let others = cluster.members.filter { $0.name != follower.name }

        // IPAM: set through a follower, read on another member, and set again from its own output.
        var r = follower.cli("ipam", "set", Self.fixtures + "/ipam.yml")
        #expect(r.code == 0, "\(r.stderr)")
        r = others[0].cli("ipam", "get", "-o", "json")
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.json["node-ipv4-pool"] as? String == "10.69.0.0/16")
        #expect(r.json["max-nodes-in-rack"] as? Int == 28)
        #expect(r.json["bmc-ipv4-offset"] as? String == "0.0.1.0")
        let yaml = others[1].cli("ipam", "get", "-o", "yaml").stdout
        let yamlPath = root + "/ipam-again.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: yamlPath))
        r = follower.cli("ipam", "set", yamlPath)
        #expect(r.code == 0, "the YAML that ipam get prints sets the same plan again: \(r.stderr)")
        #expect(others[0].cli("ipam", "get").stdout.contains("node-ipv4-pool"))

        // The sabakan file as is, through the follower.
        let fixture = try Self.fixtureMachines()
        r = follower.cli("machines", "import", Self.fixtures + "/sabakan-machines.json")
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(fixture.count) machines registered"))
        #expect(try Self.machines(others[1]).count == fixture.count)

        // sabakan's worked example: rack 1 index 5, and rack 0 index 4.
        let example = try #require(try Self.machines(others[0], "--serial", "J1X02CS").first)
        let spec = try #require(example["spec"] as? [String: Any])
        #expect(spec["index-in-rack"] as? Int == 5)
        #expect(spec["ipv4"] as? [String] == ["10.69.0.197", "10.69.1.5", "10.69.1.69"])
        #expect((spec["bmc"] as? [String: Any])?["ipv4"] as? String == "10.72.17.37")
        let nic = ((example["info"] as? [String: Any])?["network"] as? [String: Any])?["ipv4"] as? [[String: Any]]
        #expect(nic?.first?["gateway"] as? String == "10.69.0.193")
        let rack0 = try #require(try Self.machines(follower, "--serial", "J0X01CS").first?["spec"] as? [String: Any])
        #expect(rack0["ipv4"] as? [String] == ["10.69.0.4", "10.69.0.68", "10.69.0.132"])
        #expect((rack0["bmc"] as? [String: Any])?["ipv4"] as? String == "10.72.17.4")
        let table = others[1].cli("machines", "get", "--rack", "1").stdout
        #expect(table.hasPrefix("SERIAL") && table.contains("J1X02CS") && table.contains("10.69.0.197") && table.contains("10.72.17.37"))
        let yamlList = others[1].cli("machines", "get", "--serial", "J1X02CS", "-o", "yaml").stdout
        #expect(yamlList.contains("index-in-rack: 5") && yamlList.contains("- 10.69.0.197"), "\(yamlList)")

        try Self.queries(cluster, follower: follower, fixture: fixture)
        try Self.kubernetesPlan(follower: follower, other: others[1], root: root)
        try Self.lifecycle(follower: follower, other: others[0])
        try Self.badImport(follower: follower, other: others[1], count: fixture.count - 1)
        Self.auditLog(others[0])
    }

    /// Queries by rack, role, state and label, and their `without-` forms, on every member.
    static func queries(_ cluster: Cluster, follower: ServerProcess, fixture: [[String: Any]]) throws {
        let rack1 = Set(fixture.filter { $0["rack"] as? Int == 1 }.compactMap { $0["serial"] as? String })
        let r740 = Set(fixture.filter { ($0["labels"] as? [String: String])?["product"] == "R740xd" }.compactMap { $0["serial"] as? String })
        for m in cluster.members {
            #expect(serials(try machines(m, "--rack", "1")) == rack1)
            #expect(serials(try machines(m, "--label", "product=R740xd")) == r740)
            #expect(serials(try machines(m, "--rack", "0,1", "--role", "boot")) == ["F00BOOT", "F01BOOT"])
            #expect(try machines(m, "--without-rack", "1").count == fixture.count - rack1.count)
        }
        for serial in ["J0X01CS", "J1X01CS"] {
            let r = follower.cli("machines", "set-state", serial, "healthy")
            #expect(r.code == 0 && r.stdout.contains("healthy"), "\(r.stderr)")
        }
        for m in cluster.members {
            #expect(serials(try machines(m, "--state", "healthy")) == ["J0X01CS", "J1X01CS"])
            #expect(serials(try machines(m, "--state", "healthy", "--rack", "1")) == ["J1X01CS"])
            #expect(try machines(m, "--without-state", "healthy").count == fixture.count - 2)
        }
        var r = follower.cli("machines", "set-label", "J2X01CS", "zone", "a")
        #expect(r.code == 0, "\(r.stderr)")
        #expect(serials(try machines(cluster.members[2], "--label", "zone=a", "--label", "product=R640")) == ["J2X01CS"])
        r = follower.cli("machines", "remove-label", "J2X01CS", "zone")
        #expect(r.code == 0, "\(r.stderr)")
        #expect(try machines(cluster.members[0], "--label", "zone=a").isEmpty)
        r = follower.cli("machines", "get", "--state", "sleeping")
        #expect(r.code != 0 && r.stderr.contains("sleeping is not a state"))
    }

    /// The installer's spec and dry-run plan over this inventory (two healthy `cs` machines, then three).
    static func kubernetesPlan(follower: ServerProcess, other: ServerProcess, root: String) throws {
        var r = other.cli("k8s", "spec", "get")
        #expect(r.code != 0 && r.stderr.contains("no Kubernetes cluster spec is set"), "\(r.stderr)")
        let bad = root + "/bad-spec.yaml"
        try Data("name: Not_A_Label\nmystery: 1\n".utf8).write(to: URL(fileURLWithPath: bad))
        r = follower.cli("k8s", "spec", "set", bad)
        #expect(r.code != 0 && r.stderr.contains("mystery: unknown key") && r.stderr.contains("kubernetes-version: required"), "\(r.stderr)")
        let document = """
            name: dc1
            kubernetes-version: 1.31.2
            control-plane: {count: 3, select: {roles: [cs]}}
            workers: {select: {roles: [cs, ss]}, max: 2}
            service-subnet: 10.96.0.0/16
            pod-subnet: 10.64.0.0/14
            cluster-dns: 10.96.0.10
            etcd: {version: 3.5.16}

            """
        let good = root + "/spec.yaml"
        try Data(document.utf8).write(to: URL(fileURLWithPath: good))
        r = follower.cli("k8s", "spec", "set", good)
        #expect(r.code == 0 && r.stdout.contains("dc1"), "\(r.stderr)")
        r = other.cli("k8s", "spec", "get")
        #expect(r.code == 0 && r.stdout == document, "the document as it was set: \(r.stdout) \(r.stderr)")
        #expect(other.audited("k8s.spec.set", "dc1").count == 1)
        r = other.cli("k8s", "plan", "-o", "json")
        #expect(r.code == 0, "\(r.stderr)")
        #expect((r.json["steps"] as? [String]) == [], "\(r.stdout)")
        #expect(
            (r.json["blocked"] as? [String])?.contains { $0.contains("needs 3 healthy machines") && $0.contains("2 qualify: J0X01CS, J1X01CS") } == true,
            "\(r.stdout)")
        r = follower.cli("machines", "set-state", "J2X01CS", "healthy")
        #expect(r.code == 0, "\(r.stderr)")
        r = other.cli("k8s", "plan")
        #expect(r.code == 0 && r.stdout.contains("bootstrap-etcd J0X01CS,J1X01CS,J2X01CS"), "\(r.stdout) \(r.stderr)")
    }

    /// Transitions, the refusal listing the allowed states, retire date and removal.
    static func lifecycle(follower: ServerProcess, other: ServerProcess) throws {
        var r = follower.cli("machines", "set-state", "J2X02SS", "retired")
        #expect(r.code != 0)
        #expect(r.stderr.contains("cannot become retired") && r.stderr.contains("allowed: healthy, retiring"), "\(r.stderr)")
        r = other.cli("machines", "remove", "J2X02SS")
        #expect(r.code != 0 && r.stderr.contains("only retired machines can be removed"), "\(r.stderr)")
        r = other.cli("machines", "set-retire-date", "J2X02SS", "2030-06-30T00:00:00Z", "-o", "json")
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"retire-date\" : \"2030-06-30T00:00:00Z\""), "\(r.stdout)")
        // Disk keys (none escrowed here): listed, deleted only while retiring, audited.
        r = other.cli("machines", "crypts", "list", "J2X02SS", "-o", "json")
        let listed = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [Any]
        #expect(r.code == 0 && listed?.isEmpty == true, "\(r.stdout) \(r.stderr)")
        r = other.cli("machines", "crypts", "delete", "J2X02SS")
        #expect(r.code != 0 && r.stderr.contains("only while it is retiring"), "\(r.stderr)")
        r = other.cli("machines", "crypts", "list", "NO-SUCH-1")
        #expect(r.code == 0 && !r.stdout.contains("NO-SUCH-1"), "a machine without keys lists nothing: \(r.stderr)")
        r = follower.cli("machines", "set-state", "J2X02SS", "retiring")
        #expect(r.code == 0, "\(r.stderr)")
        r = follower.cli("machines", "crypts", "delete", "J2X02SS")
        #expect(r.code == 0 && r.stdout.contains("deleted 0 disk keys of J2X02SS"), "\(r.stdout) \(r.stderr)")
        #expect(other.audited("machine.crypts.delete", "J2X02SS").count == 1)
        r = follower.cli("machines", "set-state", "J2X02SS", "retired")
        #expect(r.code == 0, "\(r.stderr)")
        r = other.cli("machines", "remove", "J2X02SS")
        #expect(r.code == 0 && r.stdout.contains("removed"), "\(r.stderr)")
        #expect((try? machines(follower, "--serial", "J2X02SS"))?.isEmpty == true)
        r = follower.cli("machines", "set-state", "J2X02SS", "healthy")
        #expect(r.code != 0 && r.stderr.contains("no machine has serial J2X02SS"))
    }

    /// Several bad entries: each is reported, and nothing is registered.
    static func badImport(follower: ServerProcess, other: ServerProcess, count: Int) throws {
        let r = follower.cli("machines", "import", fixtures + "/bad-machines.json")
        #expect(r.code != 0)
        for expected in [
            "5 problems", "machine 2 (J0X01CS): serial J0X01CS is already registered",
            "machine 3 (NEWBOOT): rack 1 already has a boot server",
            "machine 4 (NEW0002): rack 500 is outside the address plan",
            "machine 5 (NEW 0003): serial must be printable ASCII", "machine 6 (NEW0004): bmc.type is empty",
            "nothing was registered",
        ] {
            #expect(r.stderr.contains(expected), "missing \"\(expected)\" in: \(r.stderr)")
        }
        #expect((try? machines(other))?.count == count)
        #expect((try? machines(other, "--serial", "NEW0001"))?.isEmpty == true)
        let locked = follower.cli("ipam", "set", fixtures + "/ipam.yml")
        #expect(locked.code != 0 && locked.stderr.contains("cannot change while"), "\(locked.stderr)")
    }

    /// Every change is in the log with the caller's uid and gid, on any member.
    static func auditLog(_ m: ServerProcess) {
        let r = m.cli("logs", "-o", "json")
        #expect(r.code == 0, "\(r.stderr)")
        let records = r.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        let user = "uid=\(getuid())"
        let actions = records.filter { ($0["user"] as? String)?.hasPrefix(user) == true }.compactMap { record -> String? in
            guard let action = record["action"] as? String, let instance = record["instance"] as? String else { return nil }
            return "\(action) \(instance)"
        }
        for expected in [
            "set ipam", "register J1X02CS", "set-state J0X01CS", "set-label J2X01CS", "remove-label J2X01CS",
            "set-retire-date J2X02SS", "remove J2X02SS",
        ] {
            #expect(actions.contains(expected), "no \(expected) by \(user) in the log")
        }
        #expect(!actions.contains("register NEW0001"))
        let table = m.cli("logs", "--since", "20000101")
        #expect(table.stdout.hasPrefix("TIME") && table.stdout.contains("gid=\(getgid())") && table.stdout.contains("set-state"))
        let none = m.cli("logs", "--until", "20000101", "-o", "json")
        #expect(none.code == 0 && none.stdout.isEmpty)
        let bad = m.cli("logs", "--since", "yesterday")
        #expect(bad.code != 0 && bad.stderr.contains("YYYYMMDD"))
    }

    @Test("The leader prunes audit records older than the cluster's retention, on every member")
    func retention() async throws {
        let (cluster, follower, root) = try await Self.cluster("kiban-retention")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        var r = follower.cli("logs", "retention", "-o", "json")
        #expect(r.json["seconds"] as? Int == 60 * 86_400, "\(r.stdout) \(r.stderr)")
        r = follower.cli("ipam", "set", Self.fixtures + "/ipam.yml")
        #expect(r.code == 0, "\(r.stderr)")
        for m in cluster.members {
            #expect(m.cli("logs", "-o", "json").stdout.contains("\"action\":\"set\""))
        }
        r = follower.cli("logs", "set-retention", "5")
        #expect(r.code != 0 && r.stderr.contains("90d, 36h, 30m or 600s"))
        r = follower.cli("logs", "set-retention", "3s")
        #expect(r.code == 0 && r.stdout.contains("3s"), "\(r.stderr)")
        try await poll("every member to lose the records older than 3 s", seconds: 60) {
            cluster.members.allSatisfy { $0.cli("logs", "-o", "json").stdout.isEmpty }
        }
        r = follower.cli("logs", "set-retention", "1h")
        #expect(r.code == 0, "\(r.stderr)")
        #expect(cluster.members[0].cli("logs", "retention").stdout.contains("1h"))
        // With an hour's retention, a record just written stays.
        try await Task.sleep(for: .seconds(3))
        for m in cluster.members {
            #expect(!m.audited("audit.set-retention", "retention").isEmpty)
        }
    }
}

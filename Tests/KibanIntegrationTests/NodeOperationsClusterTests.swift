import Foundation
import KibanTestSupport
import Testing

/// Operations from the admin CLI to a real `kiban agent run` process through a real daemon:
/// files, commands, time limits, results in the store, and an agent restarted before it could
/// report that does not run an operation twice.
@Suite("Node operations through a real agent", .serialized)
struct NodeOperationsClusterTests {
    /// A one-member cluster with KB-1 and KB-2 registered.
    static func member(_ root: String, prefix: String) async throws -> Cluster {
        let cluster = try await Cluster.start(1, prefix: prefix, root: root) { $0.extraConfig = "node-heartbeat-seconds: 1\n" }
        try await cluster.initialize()
        let m = cluster.members[0]
        let file = root + "/machines.json"
        try Data(NodeAgentClusterTests.machines.utf8).write(to: URL(fileURLWithPath: file))
        for command in [["ipam", "set", InventoryCLITests.fixtures + "/ipam.yml"], ["machines", "import", file]] {
            let r = ServerProcess.run(command + ["--socket", m.socket])
            guard r.code == 0 else { throw TestFailure("\(command) failed: \(r.stderr)") }
        }
        return cluster
    }

    /// ``member(_:prefix:)`` with KB-1's agent enrolled and running.
    static func runningAgent(_ root: String, prefix: String) async throws -> (Cluster, AgentProcess) {
        let cluster = try await member(root, prefix: prefix)
        let agent = AgentProcess(serial: "KB-1", under: root)
        let r = try agent.join(token: try NodeAgentClusterTests.token(cluster.members[0], "KB-1"))
        guard r.code == 0 else {
            cluster.stopAll()
            throw TestFailure("KB-1 could not join: \(r.stderr)")
        }
        try agent.start(interval: 0.5)
        return (cluster, agent)
    }

    /// `kiban nodes ops list SERIAL -o json`, by id.
    static func operations(_ m: ServerProcess, _ serial: String) -> [String: [String: Any]] {
        let r = m.cli("nodes", "ops", "list", serial, "-o", "json")
        let list = ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]]) ?? []
        return Dictionary(list.compactMap { row in (row["id"] as? String).map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
    }

    /// `kiban nodes ops show SERIAL ID -o json`.
    static func show(_ m: ServerProcess, _ serial: String, _ id: String) -> [String: Any] {
        let r = m.cli("nodes", "ops", "show", serial, id, "-o", "json")
        return ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]) ?? [:]
    }

    static func add(_ m: ServerProcess, _ serial: String, _ document: String, root: String) throws -> CLIResult {
        let file = root + "/ops-\(UUID().uuidString).json"
        try Data(document.utf8).write(to: URL(fileURLWithPath: file))
        return m.cli("nodes", "ops", "add", serial, file)
    }

    @Test("An agent writes files (mode, owner, skipped when the hash matches), runs commands with their status, output and time limit")
    func operations() async throws {
        let root = try temporaryDirectory("kiban-node-ops")
        let (cluster, agent) = try await Self.runningAgent(root, prefix: "ops")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let m = cluster.members[0]

        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let group = String(cString: getgrgid(getgid()).pointee.gr_name)
        let target = root + "/files/etc/app.conf"
        let document = """
            [{"id": "conf", "write-file": {"path": "\(target)", "content": "hello\\n", "mode": "0640", "owner": "\(user):\(group)"}},
             {"id": "conf-again", "write-file": {"path": "\(target)", "content": "hello\\n", "mode": "0640", "owner": "\(user):\(group)"}},
             {"id": "exit-3", "command": ["/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"]},
             {"id": "slow", "command": ["/bin/sleep", "30"], "timeout-seconds": 1},
             {"id": "own-key", "write-file": {"path": "\(agent.stateDir)/node.key", "content": "x"}}]
            """
        var r = try Self.add(m, "KB-1", document, root: root)
        #expect(r.code == 0, "\(r.stderr)")
        r = try Self.add(m, "KB-1", #"[{"id": "bad", "command": []}, {"id": "x", "write-file": {"path": "rel", "content": ""}}]"#, root: root)
        #expect(r.code != 0 && r.stderr.contains("1 to 256 arguments") && r.stderr.contains("must be absolute"), "every problem: \(r.stderr)")

        try await poll("the operations to finish", seconds: 60) {
            let ops = Self.operations(m, "KB-1")
            return ops.count == 5 && ops.values.allSatisfy { $0["state"] as? String != "pending" }
        }
        let ops = Self.operations(m, "KB-1")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "hello\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(attributes[.ownerAccountName] as? String == user)
        #expect(ops["conf"]?["state"] as? String == "succeeded")
        #expect((Self.show(m, "KB-1", "conf-again")["output"] as? String)?.contains("unchanged") == true, "the same content is not rewritten")
        let failed = Self.show(m, "KB-1", "exit-3")
        #expect(failed["state"] as? String == "failed" && failed["exitStatus"] as? Int == 3)
        #expect((failed["output"] as? String).map { $0.contains("to-stdout") && $0.contains("to-stderr") } == true)
        let slow = Self.show(m, "KB-1", "slow")
        #expect(slow["state"] as? String == "failed" && slow["exitStatus"] == nil)
        #expect((slow["output"] as? String)?.contains("killed after 1 s") == true)
        let key = Self.show(m, "KB-1", "own-key")
        #expect(key["state"] as? String == "failed" && (key["output"] as? String)?.contains("refused") == true)
        #expect(try String(contentsOfFile: agent.stateDir + "/node.key", encoding: .utf8).contains("PRIVATE KEY"), "the agent's key is intact")
        r = m.cli("nodes", "ops", "list", "KB-1")
        #expect(r.code == 0 && r.stdout.contains("ID") && r.stdout.contains("exit-3"), "a table by default: \(r.stdout)")
        let audit = m.cli("audit", "--action", "nodes.operations", "-o", "json")
        #expect(audit.stdout.contains("nodes.operations.add") && audit.stdout.contains("node:KB-1"), "queued and reported are audited")
        agent.kill()
    }

    @Test("An agent restarted after running an operation but before reporting it reports it without running it again")
    func restart() async throws {
        let root = try temporaryDirectory("kiban-node-ops-restart")
        let (cluster, agent) = try await Self.runningAgent(root, prefix: "opsr")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let m = cluster.members[0]
        let count = root + "/count"
        let started = root + "/started"
        let document = """
            [{"id": "count", "command": ["/bin/sh", "-c", "echo run >> \(count); touch \(started); sleep 2"], "timeout-seconds": 30}]
            """
        let r = try Self.add(m, "KB-1", document, root: root)
        #expect(r.code == 0, "\(r.stderr)")
        try await poll("the operation to start", seconds: 30) { FileManager.default.fileExists(atPath: started) }

        // The member stops answering while the operation ends: the result stays with the agent.
        let pid = try #require(m.pid)
        kill(pid, SIGSTOP)
        do {
            defer { kill(pid, SIGCONT) }
            try await poll("the agent to remember the result", seconds: 30) {
                ((try? String(contentsOfFile: agent.stateDir + "/operations.json", encoding: .utf8)) ?? "").contains("count")
            }
            agent.kill()
        }
        #expect(Self.operations(m, "KB-1")["count"]?["state"] as? String == "pending", "the member has no result yet")
        try agent.start(interval: 0.5)
        try await poll("the restarted agent to report the result", seconds: 60) {
            Self.operations(m, "KB-1")["count"]?["state"] as? String == "succeeded"
        }
        #expect(try String(contentsOfFile: count, encoding: .utf8) == "run\n", "the operation ran once")
        agent.kill()
    }
}

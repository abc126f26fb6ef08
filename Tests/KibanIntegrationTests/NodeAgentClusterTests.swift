import Foundation
import KibanTestSupport
import Testing

/// Node agents as real `kiban agent` processes against a 3-member cluster of real `kiban server`
/// processes on loopback: token enrollment, refusals, and machine health from heartbeats.
@Suite("Node agents on a real cluster", .serialized)
struct NodeAgentClusterTests {
    /// Three machines of rack 0; KB-3 is retired before anything enrolls.
    static let machines = """
        [{"serial": "KB-1", "rack": 0, "role": "worker", "bmc": {"type": "IPMI-2.0"}},
         {"serial": "KB-2", "rack": 0, "role": "worker", "bmc": {"type": "IPMI-2.0"}},
         {"serial": "KB-3", "rack": 0, "role": "worker", "bmc": {"type": "IPMI-2.0"}}]
        """

    /// A cluster with heartbeats every second, the machines registered, and a follower.
    static func cluster(_ root: String) async throws -> (Cluster, ServerProcess) {
        let cluster = try await Cluster.start(3, prefix: "node", root: root) { $0.extraConfig = "node-heartbeat-seconds: 1\n" }
        try await cluster.initialize()
        try await cluster.joinOthers()
        var leader: String?
        try await poll("a leader every member agrees on") {
            leader = cluster.leader(seenBy: cluster.members[0])
            return leader != nil && cluster.members.allSatisfy { cluster.leader(seenBy: $0) == leader }
        }
        let follower = try #require(cluster.members.first { $0.name != leader })
        let file = root + "/machines.json"
        try Data(machines.utf8).write(to: URL(fileURLWithPath: file))
        for command in [
            ["ipam", "set", InventoryCLITests.fixtures + "/ipam.yml"], ["machines", "import", file],
            ["machines", "set-state", "KB-3", "retiring"], ["machines", "set-state", "KB-3", "retired"],
        ] {
            let r = ServerProcess.run(command + ["--socket", follower.socket])
            guard r.code == 0 else { throw TestFailure("\(command) failed: \(r.stderr)") }
        }
        return (cluster, follower)
    }

    /// `kiban nodes list -o json` on `m`, by serial.
    static func nodes(_ m: ServerProcess) -> [String: [String: Any]] {
        let r = ServerProcess.run(["nodes", "list", "-o", "json", "--socket", m.socket])
        let list = ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]]) ?? []
        return Dictionary(list.compactMap { row in (row["serial"] as? String).map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
    }

    static func state(_ m: ServerProcess, _ serial: String) -> String? { nodes(m)[serial]?["state"] as? String }

    /// A node token from `m`.
    static func token(_ m: ServerProcess, _ args: String...) throws -> String {
        let r = ServerProcess.run(["nodes", "token", "create"] + args + ["--ttl", "10m", "--socket", m.socket])
        guard r.code == 0 else { throw TestFailure("nodes token create \(args) failed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("Agents enroll with tokens; heartbeats make a machine healthy, a killed agent's unreachable, a restarted one healthy again")
    func agents() async throws {
        let root = try temporaryDirectory("kiban-nodes")
        let (cluster, follower) = try await Self.cluster(root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }

        // Enrollment through a follower's node API (given first; the token lists every member).
        let agent = AgentProcess(serial: "KB-1", under: root)
        let token = try Self.token(follower, "KB-1")
        var r = try agent.join(token: token, servers: [follower.nodeEndpoint])
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.contains("enrolled KB-1"))
        #expect(follower.log.contains("enrolled a machine"), "the follower enrolled it")
        for name in ["node.key", "node.pem", "ca.pem"] {
            let mode = (try FileManager.default.attributesOfItem(atPath: agent.stateDir + "/" + name)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600, "\(name) is 0600")
        }

        // The used token, a wrong one, another machine's and a retired machine's are refused.
        r = try AgentProcess(serial: "KB-1", under: root + "/again").join(token: token)
        #expect(r.code != 0 && r.stderr.contains("not valid"), "a used token: \(r.stderr)")
        r = try AgentProcess(serial: "KB-2", under: root).join(token: try Self.token(follower, "KB-1"))
        #expect(r.code != 0 && r.stderr.contains("not machine KB-2"), "another machine's token: \(r.stderr)")
        r = try AgentProcess(serial: "KB-2", under: root).join(token: "kibannode1.AAAA")
        #expect(r.code != 0, "a damaged token")
        r = try AgentProcess(serial: "KB-3", under: root).join(token: try Self.token(follower, "--rack", "0"))
        #expect(r.code != 0 && r.stderr.contains("retired"), "a retired machine: \(r.stderr)")
        r = try AgentProcess(serial: "KB-1", under: root + "/twice").join(token: try Self.token(follower, "KB-1"))
        #expect(r.code != 0 && r.stderr.contains("already holds"), "a machine with a valid certificate: \(r.stderr)")
        let audit = ServerProcess.run(["audit", "--action", "nodes.enroll", "-o", "json", "--socket", follower.socket])
        #expect(audit.stdout.contains("KB-1") && audit.stdout.contains("refused"), "enrollments and refusals are audited: \(audit.stdout)")

        // Heartbeats make it healthy; the facts reach the store.
        try agent.start(interval: 0.5)
        try await poll("KB-1 to become healthy", seconds: 60) { Self.state(follower, "KB-1") == "healthy" }
        try await poll("KB-1's facts", seconds: 30) { Self.nodes(follower)["KB-1"]?["agentVersion"] as? String != nil }
        let heard = try #require(Self.nodes(follower)["KB-1"]?["lastHeartbeat"] as? Double, "a follower lists the leader's last heartbeat")
        #expect(abs(heard - Date().timeIntervalSince1970) < 10)

        // Steady heartbeats (8 in 4 s) write nothing: the store's revision stays.
        let revision = try #require(follower.status()?["revision"] as? Int)
        try await Task.sleep(for: .seconds(4))
        #expect(follower.status()?["revision"] as? Int == revision, "heartbeats that change nothing cost no Raft write")

        // A check of its role fails: unhealthy; it passes again: healthy.
        let marker = root + "/marker"
        let checks = root + "/checks.yaml"
        try Data("- {name: marker, path: \(marker)}\n".utf8).write(to: URL(fileURLWithPath: checks))
        r = ServerProcess.run(["nodes", "checks", "set", "worker", checks, "--socket", follower.socket])
        #expect(r.code == 0, "\(r.stderr)")
        try await poll("KB-1 to become unhealthy", seconds: 30) { Self.state(follower, "KB-1") == "unhealthy" }
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        try await poll("KB-1 to become healthy with its check passing", seconds: 30) { Self.state(follower, "KB-1") == "healthy" }

        // Killed, it becomes unreachable after three missed intervals; restarted, healthy again.
        agent.kill()
        try await poll("KB-1 to become unreachable", seconds: 60) { Self.state(follower, "KB-1") == "unreachable" }
        try agent.start(interval: 0.5)
        try await poll("KB-1 to become healthy again", seconds: 60) { Self.state(follower, "KB-1") == "healthy" }
        #expect(Self.state(follower, "KB-2") == "uninitialized", "a machine without an agent stays as it was")
        #expect(Self.state(follower, "KB-3") == "retired")

        // The leader dies: the agent follows the new one, which starts with a grace period, so
        // the machine never turns unreachable.
        let changes = { (m: ServerProcess) in
            ServerProcess.run(["audit", "--subject", "KB-1", "-o", "json", "--socket", m.socket]).stdout.components(separatedBy: "unreachable").count
        }
        let before = changes(follower)
        let leaderName = try #require(cluster.leader(seenBy: follower))
        let leader = try #require(cluster.member(leaderName))
        leader.kill()
        let survivor = try #require(cluster.members.first { $0.name != leader.name && $0.name != follower.name })
        try await poll("a new leader hearing from KB-1", seconds: 60) {
            guard let new = cluster.leader(seenBy: survivor), new != leader.name, let m = cluster.member(new) else { return false }
            return Self.nodes(m)["KB-1"]?["lastHeartbeat"] as? Double != nil
        }
        try await Task.sleep(for: .seconds(4))
        #expect(Self.state(survivor, "KB-1") == "healthy")
        #expect(changes(survivor) == before, "no unreachable change after the failover")
        agent.kill()

        // Removing the dead member removes its node API endpoint: agents stop learning it.
        #expect(survivor.cli("kv", "get", "nodes/api/\(leader.name)").code == 0)
        r = survivor.cli("members", "remove", leader.name)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(survivor.cli("kv", "get", "nodes/api/\(leader.name)").code == 1)
        #expect(survivor.cli("kv", "get", "nodes/api/\(survivor.name)").stdout.contains(survivor.nodeEndpoint))
    }

    @Test("The node API bounds requests before authentication and knows machines only by their node certificates")
    func bounds() async throws {
        let root = try temporaryDirectory("kiban-node-api")
        let (cluster, follower) = try await Self.cluster(root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let agent = AgentProcess(serial: "KB-1", under: root)
        #expect(try agent.join(token: try Self.token(follower, "KB-1")).code == 0)
        let ca = agent.stateDir + "/ca.pem"
        let url = "https://\(follower.nodeEndpoint)"
        let curl = { (args: [String]) in
            ServerProcess.run(
                ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca] + args,
                executable: URL(fileURLWithPath: "/usr/bin/curl")
            ).stdout
        }
        #expect(curl([url + "/v1/ca"]) == "200", "the member certificate verifies against the pinned CA")
        #expect(curl(["-X", "POST", "--data", "{}", url + "/v1/heartbeat"]) == "403", "no client certificate")
        let member = follower.dataDir + "/tls/member"
        #expect(
            curl(["--cert", member + ".pem", "--key", member + ".key", "-X", "POST", "--data", "{\"checks\": []}", url + "/v1/heartbeat"]) == "403",
            "a member certificate is no node's")
        let big = root + "/big.json"
        try Data(repeating: 0x20, count: 300 * 1024).write(to: URL(fileURLWithPath: big))
        #expect(
            curl(["--cert", member + ".pem", "--key", member + ".key", url + "/v1/heartbeats"]) == "421",
            "a member may ask for the heartbeats, which only the leader has")
        #expect(curl(["--data-binary", "@" + big, url + "/v1/enroll"]) == "413")
        #expect(curl((0..<70).flatMap { ["-H", "X-Pad-\($0): 1"] } + [url + "/v1/ca"]) == "431")

        // The node certificate names the machine; the body's serial is ignored.
        let client = root + "/client.pem"
        try Data(
            (try String(contentsOfFile: agent.stateDir + "/node.pem", encoding: .utf8)
                + String(contentsOfFile: agent.stateDir + "/chain.pem", encoding: .utf8)).utf8
        ).write(to: URL(fileURLWithPath: client))
        let node = ["--cert", client, "--key", agent.stateDir + "/node.key"]
        #expect(
            curl(
                node + [
                    "-X", "PUT", "--data",
                    "{\"serial\": \"KB-2\", \"nics\": [], \"disks\": [], \"kernel\": \"x\", \"osRelease\": \"\", \"agentVersion\": \"forged\"}",
                    url + "/v1/facts",
                ]) == "200")
        #expect(curl(node + [url + "/v1/heartbeats"]) == "403", "a node may not read the fleet's heartbeats")
        let facts = Self.nodes(follower)
        #expect(facts["KB-1"]?["agentVersion"] as? String == "forged")
        #expect(facts["KB-2"]?["agentVersion"] == nil, "nothing was recorded for the serial in the body")

        // A request that stops half way is closed when its time is up, before authentication.
        let started = ContinuousClock.now
        let slow = Process()
        slow.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        slow.arguments = ["s_client", "-quiet", "-connect", follower.nodeEndpoint]
        let input = Pipe()
        slow.standardInput = input
        slow.standardOutput = FileHandle.nullDevice
        slow.standardError = FileHandle.nullDevice
        try slow.run()
        input.fileHandleForWriting.write(Data("POST /v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{".utf8))
        try await poll("the server to close the stalled request", seconds: 30) { !slow.isRunning }
        let held = ContinuousClock.now - started
        #expect(held >= .seconds(9) && held < .seconds(20), "held for \(held)")
        try? input.fileHandleForWriting.close()
    }
}

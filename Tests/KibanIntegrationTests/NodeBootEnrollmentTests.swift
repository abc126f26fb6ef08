import Foundation
import KibanNodes
import KibanServer
import KibanTestSupport
import Testing

/// Enrollment without an operator, renewal and revocation with real `kiban server` and
/// `kiban agent` processes on loopback: the machine's IPAM address is 127.0.0.1, the address
/// the agent connects from.
@Suite("Boot enrollment, renewal and revocation on a real member", .serialized)
struct NodeBootEnrollmentTests {
    /// Rack 0's boot machine takes index node-index-offset (1): KB-1 gets 127.0.0.1.
    static let ipam = """
        {"max-nodes-in-rack": 8, "node-ipv4-pool": "127.0.0.0/16", "node-ipv4-range-size": 6, "node-ipv4-range-mask": 26,
         "node-ip-per-node": 1, "node-index-offset": 1, "node-gateway-offset": 62, "bmc-ipv4-pool": "10.72.16.0/20",
         "bmc-ipv4-range-size": 5, "bmc-ipv4-range-mask": 20, "bmc-ipv4-gateway-offset": 1}
        """
    static let machines = """
        [{"serial": "KB-1", "rack": 0, "role": "boot", "bmc": {"type": "IPMI-2.0"}},
         {"serial": "KB-2", "rack": 0, "role": "worker", "bmc": {"type": "IPMI-2.0"}}]
        """
    /// The node role as the first enrollment creates it, but with 30-second certificates.
    static let shortRole = NodeEnrollment.roleDocument(validitySeconds: 30)

    @Test("A machine enrolls from its boot script's kernel parameters, renews at two thirds of its certificate's life, and is refused once revoked")
    func bootRenewRevoke() async throws {
        let root = try temporaryDirectory("kiban-node-boot")
        let cluster = try await Cluster.start(1, prefix: "nboot", root: root) { $0.extraConfig = "node-heartbeat-seconds: 1\n" }
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await cluster.initialize()
        let m = cluster.members[0]
        let files = TestFiles(root: root)
        let setup: [[String]] = [
            ["ipam", "set", try files.write("ipam.json", Self.ipam)], ["machines", "import", try files.write("machines.json", Self.machines)],
            ["ca", "issuers", "create", "nodes", "--parent", "root"], ["ca", "roles", "set", "kiban-node", try files.write("role.yaml", Self.shortRole)],
            ["images", "upload", "img", "--kernel", try files.random("kernel", bytes: 4096), "--initrd", try files.random("initrd", bytes: 2048)],
        ]
        for command in setup {
            let r = ServerProcess.run(command + ["--socket", m.socket])
            guard r.code == 0 else { throw TestFailure("\(command) failed: \(r.stderr)") }
        }
        #expect(m.cli("machines", "get", "--serial", "KB-1", "-o", "json").stdout.contains("\"127.0.0.1\""), "KB-1's address is the agent's")

        // The boot script carries the node API and the CA fingerprint; the agent reads them as a kernel command line.
        var kernelLine = ""
        try await poll("the boot script names the node API") {
            let script = String(decoding: BootClusterTests.get("http://127.0.0.1:\(m.httpPort)/boot/machines/KB-1/ipxe").body, as: UTF8.self)
            kernelLine = script.split(separator: "\n").first { $0.hasPrefix("kernel ") }.map(String.init) ?? ""
            return kernelLine.contains("kiban.nodes=\(m.nodeEndpoint)") && kernelLine.contains("kiban.ca=sha256:")
        }
        let cmdline = try files.write("cmdline", kernelLine)
        let other = try files.write("cmdline-kb2", kernelLine.replacingOccurrences(of: "kiban.serial=KB-1", with: "kiban.serial=KB-2"))
        let agent = AgentProcess(serial: "KB-1", under: root)
        let stranger = ServerProcess.run(["agent", "join", "--boot", "--cmdline", other, "--state-dir", root + "/agent-KB-2"])
        #expect(stranger.code != 0 && stranger.stderr.contains("only to the machine's own address"), "\(stranger.stderr)")
        let joined = ServerProcess.run(["agent", "join", "--boot", "--cmdline", cmdline, "--state-dir", agent.stateDir])
        #expect(joined.code == 0 && joined.stdout.contains("enrolled KB-1"), "\(joined.stderr)")
        let audit = m.cli("audit", "--action", "nodes", "-o", "json").stdout
        #expect(audit.contains("nodes.boot-token") && audit.contains("refused") && audit.contains("nodes.enroll"))
        #expect(!m.log.contains("kibannode1."), "the token is never logged")

        // Renewal: a 30 s certificate is renewed after 20 s; the machine stays healthy.
        let first = try String(contentsOfFile: agent.stateDir + "/node.pem", encoding: .utf8)
        try agent.start(interval: 0.5)
        try await poll("KB-1 healthy") { NodeAgentClusterTests.state(m, "KB-1") == "healthy" }
        try await poll("the agent renewed its certificate", seconds: 45) { agent.log.contains("renewed the node certificate") }
        let renewed = try String(contentsOfFile: agent.stateDir + "/node.pem", encoding: .utf8)
        #expect(renewed != first)
        let mode = (try FileManager.default.attributesOfItem(atPath: agent.stateDir + "/node.key")[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        #expect(m.cli("audit", "--action", "nodes.renew", "-o", "json").stdout.contains("KB-1"))
        // The old certificate is revoked: a heartbeat received later came with the new one.
        let renewedAt = Date().timeIntervalSince1970
        try await poll("heartbeats go on with the new certificate") {
            ((NodeAgentClusterTests.nodes(m)["KB-1"]?["lastHeartbeat"] as? Double) ?? 0) > renewedAt + 1
        }

        // Revocation: the agent is refused with the reason.
        let revoked = m.cli("nodes", "revoke", "KB-1")
        #expect(revoked.code == 0, "\(revoked.stderr)")
        try await poll("the agent is refused as revoked") { agent.log.contains("was revoked") }
        #expect(m.cli("nodes", "revoke", "KB-1").code != 0, "revoking twice is refused")
        agent.kill()
    }
}

@Suite("The boot's kernel parameters for the agent")
struct BootParametersTests {
    @Test("kiban agent join --boot reads its serial, the node API and the CA fingerprint from the kernel command line, and names what is missing")
    func parse() throws {
        let line =
            "initrd=initrd console=ttyS0 kiban.serial=KB-1 kiban.config=http://10.0.0.1:10080/boot/machines/KB-1/config "
            + "kiban.nodes=10.0.0.1:10443,10.0.0.2:10443 kiban.ca=sha256:abcd\n"
        let parameters = try NodeAgent.BootParameters(commandLine: line)
        #expect(parameters.serial == "KB-1")
        #expect(parameters.endpoints == ["10.0.0.1:10443", "10.0.0.2:10443"])
        #expect(parameters.caFingerprint == "sha256:abcd")
        for broken in [
            "console=ttyS0", "kiban.serial=../x kiban.nodes=a:1 kiban.ca=sha256:ab", "kiban.serial=KB-1 kiban.nodes=a:1",
            "kiban.serial=KB-1 kiban.nodes=a:1 kiban.ca=md5:x",
        ] {
            #expect(throws: ServerError.self) { try NodeAgent.BootParameters(commandLine: broken) }
        }
    }
}

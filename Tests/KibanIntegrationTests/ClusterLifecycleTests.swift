import Foundation
import KibanTestSupport
import Testing

/// Real `kiban server` processes on 127.0.0.1, driven only through the `kiban` CLI.
@Suite("Cluster lifecycle with real processes", .serialized)
struct ClusterLifecycleTests {
    @Test("Servers form a cluster with init, tokens and join, and carry on when the leader is killed", arguments: [3, 5])
    func leaderKill(size: Int) async throws {
        let root = try temporaryDirectory("kiban-cluster")
        let cluster = try await Cluster.start(size, prefix: "boot", root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await cluster.initialize()
        let again = cluster.members[0].cli("init")
        #expect(again.code != 0 && again.stderr.contains("already a member"))
        try await cluster.joinOthers()
        for (i, m) in cluster.members.enumerated() {
            #expect(m.cli("kv", "put", "k\(i)", "v\(i)").code == 0)
        }
        #expect(cluster.members[2].cli("kv", "get", "k0").stdout == "v0\n")

        let leaderName = try #require(cluster.leader(seenBy: cluster.members[0]))
        let leader = try #require(cluster.member(leaderName))
        leader.kill()
        let survivors = cluster.members.filter { $0.name != leaderName }
        try await poll("a new leader among the survivors") {
            survivors.allSatisfy { s in cluster.leader(seenBy: s).map { $0 != leaderName } ?? false }
        }
        for (i, s) in survivors.enumerated() {
            let r = s.cli("kv", "put", "after-\(i)", "written through \(s.name)")
            #expect(r.code == 0, "\(r.stderr)")
        }
        #expect(survivors[0].cli("status").code == 0)

        try await leader.start()
        try await poll("the restarted member to catch up") {
            leader.cli("kv", "get", "after-1").stdout == "written through \(survivors[1].name)\n"
        }
        #expect(cluster.voters(seenBy: leader) == size)
        try await Self.removeAndRefuse(cluster)
    }

    /// `members remove` on the leader; the removed member's certificate no longer opens a Raft
    /// stream; SIGTERM on the leader hands leadership over.
    static func removeAndRefuse(_ cluster: Cluster) async throws {
        let leaderName = try #require(cluster.leader(seenBy: cluster.members[0]))
        let leader = try #require(cluster.member(leaderName))
        let removed = try #require(cluster.members.first { $0.name != leaderName })
        let r = leader.cli("members", "remove", removed.name)
        #expect(r.code == 0, "\(r.stderr)")
        try await poll("the removal to reach the leader's member list") { cluster.voters(seenBy: leader) == cluster.members.count - 1 }
        removed.stop()
        let id = try Self.memberID(removed)
        let refusals = leader.log.components(separatedBy: "kiban.server.reason=not in the member list").count
        var frame: [UInt8] = [0, 0, 0, 13] + Array("KBN".utf8) + [1, 1]
        frame += (0..<8).reversed().map { UInt8(truncatingIfNeeded: id >> (UInt64($0) * 8)) }
        _ = handshake(endpoint: leader.endpoint, tls: removed.dataDir + "/tls", caFile: leader.dataDir + "/tls/ca.pem", input: Data(frame))
        try await poll("the leader to refuse the removed member") {
            leader.log.components(separatedBy: "kiban.server.reason=not in the member list").count > refusals
        }

        leader.stop()
        #expect(leader.log.contains("handed leadership over"))
    }

    /// The member id a server recorded in its data directory.
    static func memberID(_ server: ServerProcess) throws -> UInt64 {
        let data = try Data(contentsOf: URL(fileURLWithPath: server.dataDir + "/member.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require((json["id"] as? NSNumber)?.uint64Value)
    }

    @Test("A token works once, not after its expiry, and only for its cluster's CA")
    func tokenSecurity() async throws {
        let (root, cluster, rogue) = try await Self.twoClusters("kiban-tokens")
        let joiner = ServerProcess(name: "late", under: root)
        defer {
            cluster.stopAll()
            rogue.stopAll()
            joiner.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await joiner.start()

        // A token whose addresses point at a server with another CA: refused before the secret leaves.
        let good = try cluster.token(for: "late")
        let redirected = try Self.rewrite(good, addresses: [rogue.members[0].endpoint])
        let facingRogue = joiner.cli("join", redirected)
        #expect(facingRogue.code != 0 && facingRogue.stderr.contains("nothing secret was sent"))
        #expect(!rogue.members[0].log.contains("refused a join"), "the rogue server must not have seen a join request")

        // An expired token.
        let short = try cluster.token(for: "late", ttl: "1s")
        let expiry = Date().addingTimeInterval(1)
        try await poll("the short token to expire") { Date() > expiry.addingTimeInterval(1) }
        let expired = joiner.cli("join", short)
        #expect(expired.code != 0 && expired.stderr.contains("expired"))

        // The good token (still unused: the rogue never saw it) works once.
        let first = joiner.cli("join", good)
        #expect(first.code == 0, "\(first.stderr)")
        let other = ServerProcess(name: "late", under: root + "/second")
        try await other.start()
        defer { other.stop() }
        let reused = other.cli("join", good)
        #expect(reused.code != 0 && reused.stderr.contains("already used"))
    }

    @Test("A peer presenting a certificate from another CA is refused during the TLS handshake")
    func foreignCertificate() async throws {
        let (root, cluster, rogue) = try await Self.twoClusters("kiban-mtls")
        defer {
            cluster.stopAll()
            rogue.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let target = cluster.members[0]
        let trusted = target.dataDir + "/tls/ca.pem"
        let own = Self.handshake(endpoint: target.endpoint, tls: target.dataDir + "/tls", caFile: trusted)
        #expect(own.code == 0, "a member certificate of the cluster's CA is accepted: \(own.stderr)")
        let foreign = Self.handshake(endpoint: target.endpoint, tls: rogue.members[0].dataDir + "/tls", caFile: trusted)
        #expect(foreign.code != 0)
        #expect((foreign.stdout + foreign.stderr).lowercased().contains("unknown ca"))
    }

    /// Two independent one-member clusters (each with its own CA), initialized.
    static func twoClusters(_ label: String) async throws -> (String, Cluster, Cluster) {
        let root = try temporaryDirectory(label)
        let cluster = try await Cluster.start(1, prefix: "main", root: root)
        let rogue = try await Cluster.start(1, prefix: "rogue", root: root)
        try await cluster.initialize()
        try await rogue.initialize()
        return (root, cluster, rogue)
    }

    /// `openssl s_client` with a member certificate: a client no one here wrote.
    static func handshake(endpoint: String, tls: String, caFile: String, input bytes: Data = Data("KBN\n".utf8)) -> CLIResult {
        let p = Process()
        // Bounded: a server that kept the connection open would otherwise hold the test.
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = [
            "20", "/usr/bin/openssl", "s_client", "-connect", endpoint, "-tls1_3", "-cert", tls + "/member.pem", "-key", tls + "/member.key",
            "-CAfile", caFile, "-verify_return_error", "-brief", "-ign_eof",
        ]
        let input = Pipe()
        let out = Pipe()
        let err = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return CLIResult(code: 255, stdout: "", stderr: "\(error)") }
        // A TLS 1.3 server reports a refused client certificate after the handshake: send a
        // line so that the alert is read, then close.
        input.fileHandleForWriting.write(bytes)
        try? input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(
            code: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The same token with other member addresses (what a rogue server's operator could forge).
    static func rewrite(_ token: String, addresses: [String]) throws -> String {
        let prefix = "kiban1."
        var b64 = String(token.dropFirst(prefix.count)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        let bytes = try #require(Data(base64Encoded: b64))
        var json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        json["addresses"] = addresses
        let data = try JSONSerialization.data(withJSONObject: json, options: .sortedKeys)
        return prefix
            + data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

import Foundation
import Glibc
import KibanCA
import KibanTestSupport
import Testing

@testable import KibanServer

/// The cluster's own trust with real `kiban server` processes: the sealed CA key, the reserved
/// `/kiban/` keys, certificate renewal, one member per name, the deny list, tokens and audit.
@Suite("Cluster trust with real servers", .serialized)
struct TrustClusterTests {
    /// Runs `python3 -c SCRIPT ARGS…` and returns its standard output.
    static func python(_ script: String, _ args: [String]) throws -> String {
        let r = ServerProcess.run(["-c", script] + args, executable: URL(fileURLWithPath: "/usr/bin/python3"))
        guard r.code == 0 else { throw TestFailure("python3 failed: \(r.stderr)") }
        return r.stdout
    }

    /// The value of `key` in the SQLite state file `db` (read-only, beside a running writer).
    static func stateValue(_ db: String, key: String) throws -> String {
        try python(
            """
            import sqlite3, sys
            c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            row = c.execute("select value from kv where key = ?", (sys.argv[2].encode(),)).fetchone()
            sys.stdout.write(row[0].decode() if row else "")
            """, [db, key])
    }

    /// Every file of `directory` (not recursive) whose bytes contain one of `needles`.
    static func files(in paths: [String], containing needles: [[UInt8]]) -> [String] {
        paths.filter { path in
            guard let data = FileManager.default.contents(atPath: path) else { return false }
            let bytes = [UInt8](data)
            return needles.contains { needle in
                bytes.count >= needle.count && (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
            }
        }
    }

    @Test("No private key at rest: raft.db, state.db, Raft snapshots and a backup hold the CA key only sealed")
    func noKeyAtRest() async throws {
        let root = try temporaryDirectory("kiban-sealed")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try await DaemonTestSupport.cluster(1, prefix: "sealed", root: root, arguments: ["--snapshot-count", "10"])
        defer { cluster.stopAll() }
        let m = cluster.members[0]
        for i in 0..<40 { #expect(m.cli("kv", "put", "k\(i)", "v\(i)").code == 0) }
        let backup = root + "/backup.db"
        let save = m.cli("snapshot", "save", backup)
        #expect(save.code == 0, "\(save.stderr)")
        #expect(save.stderr.contains("kek-"), "snapshot save names the key-encryption key: \(save.stderr)")
        m.stop()
        let dir = m.dataDir
        let kek = try KeyEncryptionKey.load(path: KeyEncryptionKey.path(dataDir: dir))
        let mode = try FileManager.default.attributesOfItem(atPath: KeyEncryptionKey.path(dataDir: dir))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let record = try JSONDecoder().decode(CARecord.self, from: Data(try Self.stateValue(dir + "/state.db", key: "/kiban/ca").utf8))
        #expect(record.privateKeyPEM == nil)
        let sealed = try #require(record.sealedKey)
        let ca = try CertificateAuthority(certificatePEM: record.certificatePEM, sealed: sealed, kek: kek)
        let snapshotRows = try Self.python(
            """
            import sqlite3, sys
            c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            print(c.execute("select count(*), coalesce(max(length(data)), 0) from snapshot").fetchone())
            """, [dir + "/raft.db"])
        #expect(!snapshotRows.hasPrefix("(0,") && !snapshotRows.contains(", 0)"), "raft.db holds a snapshot with data: \(snapshotRows)")
        let candidates =
            (try FileManager.default.contentsOfDirectory(atPath: dir)).filter { $0.hasPrefix("raft.db") || $0.hasPrefix("state.db") }
            .map { dir + "/" + $0 } + [backup]
        // The raw scalar, PEM headers, and the DER of PKCS#8 and SEC 1 EC keys (version 0 / 1
        // then the 32-byte octet string).
        let needles: [[UInt8]] = [
            ca.privateKeyRaw, Array("PRIVATE KEY".utf8), [0x02, 0x01, 0x01, 0x04, 0x20] + ca.privateKeyRaw.prefix(4),
            Array(Data(ca.privateKeyRaw).base64EncodedString().prefix(24).utf8),
        ]
        #expect(Self.files(in: candidates, containing: needles).isEmpty)
        #expect(candidates.count >= 3)
        // The key-encryption key itself is nowhere in the store either.
        #expect(Self.files(in: candidates, containing: [kek.rawBytes, Array(Data(kek.rawBytes).base64EncodedString().utf8)]).isEmpty)
        // Restoring needs the key-encryption key.
        try Data((Data(KeyEncryptionKey.create().rawBytes).base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: root + "/wrong.kek"))
        let restoreArgs = ["snapshot", "restore", backup, "--name", "r1", "--advertise-address", "127.0.0.1", "--peer-port", "1"]
        let wrong = ServerProcess.run(restoreArgs + ["--data-dir", root + "/r-wrong", "--kek", root + "/wrong.kek"])
        #expect(wrong.code != 0)
        #expect(wrong.stderr.contains("key-encryption key"), "\(wrong.stderr)")
        let right = ServerProcess.run(restoreArgs + ["--data-dir", root + "/r-right", "--kek", KeyEncryptionKey.path(dataDir: dir)])
        #expect(right.code == 0, "\(right.stderr)")
        #expect(FileManager.default.fileExists(atPath: KeyEncryptionKey.path(dataDir: root + "/r-right")))
    }

    @Test("The kv, txn and watch API can neither read nor write /kiban/")
    func reservedPrefix() async throws {
        try await DaemonTestSupport.withMember("reserved") { m, _ in
            #expect(m.cli("kv", "put", "a", "1").code == 0)
            for args in [
                ["kv", "get", "/kiban/ca"], ["kv", "list", "/kiban/"], ["kv", "put", "/kiban/ca", "x"],
                ["kv", "del", "/kiban/members/", "--prefix"], ["kv", "del", "/", "--prefix"], ["kv", "del", "/kiban/ca"],
            ] {
                let r = ServerProcess.run(args + ["--socket", m.socket])
                #expect(r.code != 0, "\(args) succeeded: \(r.stdout)")
                #expect(r.stderr.contains("/kiban/"), "\(args): \(r.stderr)")
            }
            let everything = m.cli("kv", "list", "", "-o", "json")
            #expect(everything.code == 0, "\(everything.stderr)")
            #expect(!everything.stdout.contains("/kiban/") && everything.stdout.contains("\"a\""), "\(everything.stdout)")
            let slash = m.cli("kv", "list", "/", "-o", "json")
            #expect(!slash.stdout.contains("PRIVATE") && !slash.stdout.contains("/kiban/"))
            let txnDir = try temporaryDirectory("kiban-txn")
            defer { try? FileManager.default.removeItem(atPath: txnDir) }
            for (i, body) in [
                #"{"compare":[{"key":"/kiban/ca","value":"x"}],"success":[]}"#,
                #"{"success":[{"get":{"key":"/kiban/ca"}}]}"#,
                #"{"success":[{"put":{"key":"/kiban/tokens/x","value":"{}"}}]}"#,
            ].enumerated() {
                let file = txnDir + "/t\(i).json"
                try body.write(toFile: file, atomically: true, encoding: .utf8)
                let r = m.cli("kv", "txn", file)
                #expect(r.code != 0 && r.stderr.contains("/kiban/"), "\(body): \(r.stdout) \(r.stderr)")
            }
            let wide = txnDir + "/wide.json"
            try #"{"success":[{"get":{"key":"","prefix":true}}]}"#.write(toFile: wide, atomically: true, encoding: .utf8)
            let r = m.cli("kv", "txn", wide, "-o", "json")
            #expect(r.code == 0 && !r.stdout.contains("/kiban/") && r.stdout.contains("\"a\""), "\(r.stdout) \(r.stderr)")
            let audit = m.cli("audit", "-o", "json")
            #expect(audit.code == 0 && audit.stdout.contains("cluster.init"), "\(audit.stdout) \(audit.stderr)")
        }
    }

    @Test("Member certificates renew long before they expire, and the cluster outlives the first ones")
    func renewal() async throws {
        let root = try temporaryDirectory("kiban-renew")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let members = try (1...2).map { try DaemonTestSupport.server("renew-\($0)", under: root) }
        for m in members {
            m.environment = ["KIBAN_MEMBER_CERTIFICATE_SECONDS": "30"]
            try await m.start()
        }
        let cluster = Cluster(root: root, members: members)
        defer { cluster.stopAll() }
        try await cluster.initialize()
        try await poll("renew-1 to lead", seconds: DaemonTestSupport.waitSeconds) { cluster.leader(seenBy: members[0]) != nil }
        try await DaemonTestSupport.join(members[1], via: cluster)
        let started = ContinuousClock.now
        var seen: [String: Set<String>] = [:]
        try await poll("each member to renew its certificate twice", seconds: 120) {
            for m in members { if let serial = m.status()?["certificateSerial"] as? String { seen[m.name, default: []].insert(serial) } }
            return members.allSatisfy { (seen[$0.name]?.count ?? 0) >= 3 }
        }
        // Past the first certificates' expiry (30 s), both still vote and writes commit.
        if ContinuousClock.now - started < .seconds(35) { try await Task.sleep(until: started + .seconds(35)) }
        #expect(members[1].cli("kv", "put", "after-renewal", "1").code == 0)
        #expect(cluster.voters(seenBy: members[1]) == 2)
        let days = members[1].status()?["certificateDaysLeft"] as? Int
        #expect(days == 0)
        #expect(!members[0].audited("member.renew-certificate", "renew-2").isEmpty)
        #expect(members[0].audited("member.join", "renew-2").first?["actor"] as? String == "cluster")
    }

    @Test("Two tokens for one name admit one member; tokens are read from a file or standard input")
    func oneMemberPerName() async throws {
        let root = try temporaryDirectory("kiban-name")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try await DaemonTestSupport.cluster(1, prefix: "name", root: root)
        defer { cluster.stopAll() }
        let a = ServerProcess(name: "twin", under: root + "/a")
        let b = ServerProcess(name: "twin", under: root + "/b")
        try await a.start()
        try await b.start()
        let tokenFile = root + "/twin.token"
        try cluster.token(for: "twin").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let second = try cluster.token(for: "twin")
        async let first = Task.detached { a.cli("join", "--token-file", tokenFile) }.value
        async let other = Task.detached {
            ServerProcess.run(
                ["-c", "echo \"$1\" | \"$2\" join - --socket \"$3\"", "sh", second, ServerProcess.executable.path, b.socket],
                executable: URL(fileURLWithPath: "/bin/sh"))
        }.value
        let results = await [first, other]
        #expect(results.filter { $0.code == 0 }.count == 1, "\(results.map { "\($0.code): \($0.stderr)" })")
        try await poll("one twin in the member list") {
            let list = cluster.members[0].cli("members", "list", "-o", "json").stdout
            return list.components(separatedBy: "\"twin\"").count == 2
        }
        #expect(cluster.members[0].cli("token", "create", "x", "--ttl", "8d").code != 0)
        let huge = cluster.members[0].cli("token", "create", "x", "--ttl", "1e15d")
        #expect(huge.code != 0 && huge.stderr.contains("7 days"), "\(huge.stderr)")
        #expect(cluster.members[0].status() != nil, "the daemon survived")
        // An expired token is swept by the leader.
        #expect(cluster.members[0].cli("token", "create", "late", "--ttl", "1s").code == 0)
        try await poll("the expired token to be swept", seconds: 40) {
            !cluster.members[0].cli("token", "list", "-o", "json").stdout.contains("\"late\"")
        }
    }

    @Test("The leader promotes a learner that has caught up and answers it; one that is down stays a learner and holds back no other")
    func deadLearnerIsNotPromoted() async throws {
        let root = try temporaryDirectory("kiban-promote-dead")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try await DaemonTestSupport.cluster(2, prefix: "prd", root: root)
        defer { cluster.stopAll() }
        let leader = cluster.members[0]
        #expect(leader.cli("members", "auto-promote", "off").code == 0)
        var learners: [ServerProcess] = []
        for name in ["prd-3", "prd-4"] {
            let m = try DaemonTestSupport.server(name, under: root)
            learners.append(m)
            try await m.start()
            let join = try await m.bindingCLI(["join", try cluster.token(for: name)])
            #expect(join.code == 0, "\(join.stderr)")
        }
        defer { for m in learners { m.stop() } }
        // Both have caught up. Stop the one the leader looks at first (the lower member id).
        func roles() -> [String: (id: UInt64, role: String)] {
            (leader.status()?["members"] as? [[String: Any]] ?? []).reduce(into: [:]) { all, row in
                guard let name = row["name"] as? String, let id = (row["id"] as? String).flatMap({ UInt64($0, radix: 16) }),
                    let role = row["role"] as? String
                else { return }
                all[name] = (id, role)
            }
        }
        let before = roles()
        let ordered = learners.sorted { before[$0.name]?.id ?? 0 < before[$1.name]?.id ?? 0 }
        let (down, up) = (ordered[0], ordered[1])
        down.stop()
        // The leader counts a member as silent once an election timeout (1 s here) passes without
        // a message from it; until then it would still be promoted.
        try await Task.sleep(for: .seconds(3))
        let refused = leader.cli("members", "promote", down.name)
        // Refused as silent, or as not caught up when leadership moved since (a new leader's
        // record of the down learner starts at nothing).
        #expect(refused.code != 0 && refused.stderr.contains("cannot be promoted yet"), "\(refused.stderr)")
        #expect(leader.cli("members", "auto-promote", "on").code == 0)
        try await poll("\(up.name) to be promoted while \(down.name) is down", seconds: 30) {
            roles()[up.name]?.role == "voter"
        }
        #expect(roles()[down.name]?.role == "learner", "a member that is down was made a voter: \(roles())")
    }

    @Test("A join whose peer port is taken is refused before the token is sent: no learner is left behind and the token still works")
    func joinWithTakenPeerPort() async throws {
        let root = try temporaryDirectory("kiban-join-port")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try await DaemonTestSupport.cluster(1, prefix: "jpt", root: root)
        defer { cluster.stopAll() }
        let second = try DaemonTestSupport.server("jpt-2", under: root)
        try await second.start()
        defer { second.stop() }
        let token = try cluster.token(for: "jpt-2")
        let holder = try Self.listen(on: second.address, port: second.peerPort)
        let refused = second.cli("join", token)
        close(holder)
        #expect(refused.code != 0 && refused.stderr.contains("cannot take the peer port"), "\(refused.stderr)")
        let members = (cluster.members[0].status()?["members"] as? [[String: Any]]) ?? []
        #expect(members.count == 1, "no learner was added for the refused join: \(members)")
        let joined = second.cli("join", token)
        #expect(joined.code == 0, "the same token joins once the port is free: \(joined.stderr)")
        try await poll("jpt-2 to be a voter") { cluster.voters(seenBy: cluster.members[0]) == 2 }
    }

    /// A TCP listener on `address:port`, held until the descriptor is closed.
    static func listen(on address: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, address, &sin.sin_addr)
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 1) == 0 else {
            close(fd)
            throw TestFailure("cannot hold \(address):\(port): errno \(errno)")
        }
        return fd
    }

    @Test("Promotion: audited, manual when auto-promotion is off; a removed member's certificate is denied")
    func promotionAndDenial() async throws {
        let root = try temporaryDirectory("kiban-promote")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try await DaemonTestSupport.cluster(2, prefix: "pro", root: root)
        defer { cluster.stopAll() }
        let leader = cluster.members[0]
        #expect(leader.cli("members", "auto-promote", "off").code == 0)
        let third = try DaemonTestSupport.server("pro-3", under: root)
        try await third.start()
        let join = try await third.bindingCLI(["join", try cluster.token(for: "pro-3")])
        #expect(join.code == 0, "\(join.stderr)")
        try await Task.sleep(for: .seconds(3))
        #expect(cluster.voters(seenBy: leader) == 2, "auto-promotion is off")
        try await poll("pro-3 to be promoted") { third.cli("members", "promote", "pro-3").code == 0 }
        try await poll("pro-3 to vote") { cluster.voters(seenBy: leader) == 3 }
        #expect(leader.audited("member.promote", "pro-3").first?["member"] as? String == "pro-3", "promoted from pro-3's own socket")
        // A member that lost its key-encryption key gets it back from another member.
        let second = cluster.members[1]
        let kekPath = second.dataDir + "/tls/kek"
        let original = try String(contentsOfFile: kekPath, encoding: .utf8)
        second.stop()
        try FileManager.default.removeItem(atPath: kekPath)
        try await second.start()
        try await poll("pro-2 to get the key-encryption key back", seconds: 60) {
            (try? String(contentsOfFile: kekPath, encoding: .utf8)) == original
        }
        #expect(second.log.contains("received the key-encryption key from"))
        // Remove pro-3; its certificate, presented to a member afterwards, is refused.
        let tls = try PeerTLS.load(dataDir: third.dataDir)
        let serial = try #require(MemberCertificate(pem: tls.certificatePEM)?.serial)
        let id = try #require(MemberCertificate(pem: tls.certificatePEM)?.memberID)
        #expect(leader.cli("members", "remove", "pro-3").code == 0)
        third.stop()
        try await poll("the deny list to hold pro-3's certificate") {
            (try? Self.stateValue(leader.dataDir + "/state.db", key: "/kiban/denied-certificates/\(serial)"))?.contains(serial) == true
        }
        let credentials = try PeerCredentials(tls, clusterID: try #require(leader.status()?["cluster"] as? String))
        let body = try JSONEncoder().encode(RenewRequest(csr: ""))
        let refused = await Result(catching: {
            try await JoinClient.exchange(
                endpoint: leader.endpoint, context: credentials.client, expect: nil,
                frames: [PeerHello(purpose: .renew, from: id).encoded, .init(bytes: body)])
        })
        #expect((try? refused.get()) == nil, "the removed member's certificate was accepted")
    }
}

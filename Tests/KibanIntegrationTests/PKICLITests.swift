import Foundation
import KibanTestSupport
import Testing

/// `kiban ca …` against a real one-member `kiban server`, checked with openssl.
@Suite("kiban ca through a real server", .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/openssl")))
struct PKICLITests {
    static func openssl(_ args: [String]) -> CLIResult { ServerProcess.run(args, executable: URL(fileURLWithPath: "/usr/bin/openssl")) }

    @Test("Issuers, roles, issue, sign, certs, revoke and the CRL work from the CLI and the boot port, and openssl agrees")
    func lifecycle() async throws {
        try await DaemonTestSupport.withMember("pki") { m, root in
            let create = m.cli("ca", "issuers", "create", "etcd", "--parent", "root", "--ttl", "365d")
            #expect(create.code == 0, "\(create.stderr)")
            #expect(create.stdout.contains("etcd") && create.stdout.contains("NOT AFTER"), "\(create.stdout)")
            let role = root + "/peer.yaml"
            try "issuer: etcd\nallowed_names: ['etcd-*']\nallow_ip_sans: true\nmax_ttl: 720h\n".write(toFile: role, atomically: true, encoding: .utf8)
            #expect(m.cli("ca", "roles", "set", "peer", role).code == 0)
            let bad = root + "/bad.yaml"
            try "issuer: nowhere\nallowed_names: ['x']\nmax_tll: 1h\n".write(toFile: bad, atomically: true, encoding: .utf8)
            let refusedRole = m.cli("ca", "roles", "set", "bad", bad)
            #expect(refusedRole.code != 0 && refusedRole.stderr.contains("max_tll: unknown field"), "\(refusedRole.stderr)")
            #expect(m.cli("ca", "roles", "get", "peer", "-o", "yaml").stdout.contains("max_ttl: 30d"))

            let out = root + "/etcd-0"
            let issued = m.cli("ca", "issue", "peer", "--cn", "etcd-0", "--san", "127.0.0.1", "--ttl", "24h", "--out-dir", out)
            #expect(issued.code == 0, "\(issued.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: out + "/key.pem")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let verified = Self.openssl(["verify", "-x509_strict", "-CAfile", out + "/ca.pem", "-untrusted", out + "/chain.pem", out + "/cert.pem"])
            #expect(verified.code == 0, "\(verified.stdout)\(verified.stderr)")

            let refused = m.cli("ca", "issue", "peer", "--cn", "www.example.com", "--ttl", "9000h")
            #expect(refused.code != 0 && refused.stderr.contains("allowed_names") && refused.stderr.contains("max_ttl"), "\(refused.stderr)")

            let csr = root + "/req.csr"
            let made = Self.openssl([
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", root + "/req.key",
                "-subj", "/CN=etcd-1", "-out", csr,
            ])
            #expect(made.code == 0, "\(made.stderr)")
            let signed = m.cli("ca", "sign", "peer", csr)
            #expect(signed.code == 0 && signed.stdout.hasPrefix("-----BEGIN CERTIFICATE-----") && !signed.stdout.contains("PRIVATE"), "\(signed.stderr)")

            let list = m.cli("ca", "certs", "list", "--issuer", "etcd", "-o", "json")
            let records = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
            #expect(records.count == 2, "\(list.stdout)\(list.stderr)")
            let serial = try #require(records.first { ($0["commonName"] as? String) == "etcd-0" }?["serial"] as? String)
            #expect(m.cli("ca", "certs", "list", "--expiring", "2d").stdout.contains(serial))

            let revoked = m.cli("ca", "revoke", serial, "--reason", "keyCompromise")
            #expect(revoked.code == 0 && revoked.stdout.contains("keyCompromise"), "\(revoked.stderr)")
            let crl = root + "/etcd.crl.pem"
            #expect(m.cli("ca", "crl", "etcd", "--pem", "--out", crl).code == 0)
            let parsed = Self.openssl(["crl", "-in", crl, "-noout", "-text"])
            #expect(parsed.code == 0 && parsed.stdout.contains(serial.uppercased()), "\(parsed.stdout)")
            let check = Self.openssl(["verify", "-crl_check", "-CRLfile", crl, "-CAfile", out + "/ca.pem", "-untrusted", out + "/chain.pem", out + "/cert.pem"])
            #expect(check.code != 0 && (check.stdout + check.stderr).contains("revoked"), "\(check.stdout)\(check.stderr)")

            // Every member serves the CRL on its HTTP boot port, re-signed as the inventory changes.
            let fetched = root + "/fetched.crl"
            let url = "http://127.0.0.1:\(m.httpPort)/ca/etcd.crl"
            try await poll("the boot port to serve the CRL with \(serial)", seconds: DaemonTestSupport.waitSeconds) {
                ServerProcess.run(["-sf", "-o", fetched, url], executable: URL(fileURLWithPath: "/usr/bin/curl")).code == 0
                    && Self.openssl(["crl", "-inform", "DER", "-in", fetched, "-noout", "-text"]).stdout.contains(serial.uppercased())
            }
            let fetchedPEM = root + "/fetched.crl.pem"
            #expect(Self.openssl(["crl", "-inform", "DER", "-in", fetched, "-out", fetchedPEM]).code == 0)
            let refusedByFetched = Self.openssl([
                "verify", "-crl_check", "-CRLfile", fetchedPEM, "-CAfile", out + "/ca.pem",
                "-untrusted", out + "/chain.pem", out + "/cert.pem",
            ])
            #expect(refusedByFetched.code != 0 && (refusedByFetched.stdout + refusedByFetched.stderr).contains("revoked"))
            #expect(
                ServerProcess.run(
                    ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(m.httpPort)/ca/nothing.crl"],
                    executable: URL(fileURLWithPath: "/usr/bin/curl")
                ).code != 0)

            let rotated = m.cli("ca", "issuers", "rotate", "etcd")
            #expect(rotated.code == 0 && rotated.stdout.contains("etcd"), "\(rotated.stderr)")
            let shown = m.cli("ca", "issuers", "show", "etcd")
            #expect(shown.stdout.contains("retired") && shown.stdout.contains("active"), "\(shown.stdout)")
            #expect(!m.cli("ca", "issuers", "list", "-o", "json").stdout.contains("sealed"))
            let reserved = m.cli("kv", "get", "/kiban/pki/issuers/etcd")
            #expect(reserved.code != 0)
            #expect(m.cli("ca", "--help").stdout.contains("Examples"))
            let audit = m.cli("ca", "audit")
            #expect(audit.code == 0 && audit.stdout.contains("revoke") && audit.stdout.contains("issuer-create"), "\(audit.stdout)\(audit.stderr)")
        }
    }
}

@Suite("kiban ca on a three-member cluster", .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/openssl")))
struct PKIClusterTests {
    @Test("Issuers and certificates made on a follower reach every member; each member signs with its own copy of the KEK and serves the CRL")
    func follower() async throws {
        let root = try temporaryDirectory("kiban-pki-cluster")
        let cluster = try await DaemonTestSupport.cluster(3, prefix: "pki", root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let followers = try DaemonTestSupport.followers(cluster)
        let (a, b) = (followers[0], followers[1])
        #expect(a.cli("ca", "issuers", "create", "etcd", "--parent", "root").code == 0)
        let role = root + "/peer.yaml"
        try "issuer: etcd\nallowed_names: ['etcd-*']\n".write(toFile: role, atomically: true, encoding: .utf8)
        #expect(b.cli("ca", "roles", "set", "peer", role).code == 0)
        let issued = b.cli("ca", "issue", "peer", "--cn", "etcd-0", "-o", "json")
        #expect(issued.code == 0, "\(issued.stderr)")
        let serial = try #require((issued.json["record"] as? [String: Any])?["serial"] as? String)
        for m in cluster.members {
            #expect(m.cli("ca", "certs", "show", serial).code == 0, "\(m.name)")
        }
        #expect(a.cli("ca", "revoke", serial).code == 0)
        let fetched = root + "/etcd.crl"
        try await poll("every member to serve the CRL with the revoked serial", seconds: DaemonTestSupport.waitSeconds) {
            cluster.members.allSatisfy { m in
                ServerProcess.run(["-sf", "-o", fetched, "http://127.0.0.1:\(m.httpPort)/ca/etcd.crl"], executable: URL(fileURLWithPath: "/usr/bin/curl")).code
                    == 0
                    && PKICLITests.openssl(["crl", "-inform", "DER", "-in", fetched, "-noout", "-text"]).stdout.contains(serial.uppercased())
            }
        }
    }
}

import Foundation
import KibanStore
import Testing

@testable import KibanCA

@Suite("PKI issuance, inventory, revocation and CRLs", .enabled(if: opensslPresent))
struct IssuanceTests {
    @Test("Issued certificates of every key type verify, and their keys are returned but not stored", arguments: KeyType.allCases)
    func keyTypes(_ type: KeyType) async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        let issuer = try await f.pki.createIssuer("web", parent: "root", by: f.alice)
        try await f.role("web", "issuer: web\nallowed_names: ['*.example.com']\nkey_types: [\(type.rawValue)]\nmax_ttl: 72h\n")
        let issued = try await f.pki.issue(role: "web", request: IssueRequest(commonName: "a.example.com", ttlSeconds: 3600), requester: f.alice)
        let result = try f.verify(
            issued.certificatePEM, trusted: [f.root.certificatePEM], untrusted: [issuer.certificatePEM],
            extra: ["-verify_hostname", "a.example.com"])
        #expect(result.status == 0, "\(result.output)")
        let key = try f.file("key.pem", try #require(issued.privateKeyPEM))
        let cert = try f.file("cert.pem", issued.certificatePEM)
        let match = try openssl(["x509", "-in", cert, "-noout", "-pubkey"]).output == (try openssl(["pkey", "-in", key, "-pubout"]).output)
        #expect(match)
        let stored = try await f.pki.certificate(serial: issued.record.serial.uppercased())
        #expect(stored.keyType == type && stored.generatedKey && stored.role == "web")
        #expect(abs(stored.notAfter.timeIntervalSince(f.clock.now) - 3600) < 2)
    }

    @Test("A CSR made by openssl is signed with its names; the key never reaches the CA")
    func signCSR() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        try await f.role("svc", "issuer: root\nallowed_names: ['*.svc.test']\nallow_ip_sans: true\nkey_types: [p256, rsa2048]\ngenerate_key: false\n")
        let key = f.path + "/req.key"
        let csr = f.path + "/req.csr"
        let made = try openssl([
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=db.svc.test",
            "-addext", "subjectAltName=DNS:db.svc.test,IP:10.9.8.7",
        ])
        #expect(made.status == 0, "\(made.output)")
        let issued = try await f.pki.sign(role: "svc", csrPEM: try String(contentsOfFile: csr, encoding: .utf8), requester: f.alice)
        #expect(issued.privateKeyPEM == nil)
        #expect(issued.record.sans == ["db.svc.test", "10.9.8.7"] && issued.record.keyType == .rsa2048)
        let result = try f.verify(issued.certificatePEM, trusted: [f.root.certificatePEM], extra: ["-verify_ip", "10.9.8.7"])
        #expect(result.status == 0, "\(result.output)")
        let refused = await #expect(throws: CAError.self) {
            _ = try await f.pki.issue(role: "svc", request: IssueRequest(commonName: "db.svc.test"), requester: f.alice)
        }
        #expect(refused?.code == .forbidden && refused?.problems.first?.hasPrefix("generate_key") == true)
        let emailCSR = f.path + "/email.csr"
        #expect(
            try openssl([
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f.path + "/e.key",
                "-out", emailCSR, "-subj", "/CN=db.svc.test", "-addext", "subjectAltName=email:a@svc.test",
            ]).status == 0)
        let email = await #expect(throws: CAError.self) {
            _ = try await f.pki.sign(role: "svc", csrPEM: try String(contentsOfFile: emailCSR, encoding: .utf8), requester: f.alice)
        }
        #expect(email?.code == .forbidden)
        var tampered = try String(contentsOfFile: csr, encoding: .utf8).split(separator: "\n").map(String.init)
        tampered[3] = String(tampered[3].reversed())
        let bad = await #expect(throws: CAError.self) {
            _ = try await f.pki.sign(role: "svc", csrPEM: tampered.joined(separator: "\n"), requester: f.alice)
        }
        #expect(bad?.code == .invalidRequest)
    }

    @Test("A revoked certificate is in its issuer's CRL: openssl crl verifies it and openssl verify -crl_check refuses the certificate")
    func revocation() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        let etcd = try await f.pki.createIssuer("etcd", parent: "root", by: f.alice)
        try await f.role("peer", "issuer: etcd\nallowed_names: ['etcd-*']\n")
        let good = try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "etcd-0"), requester: f.alice)
        let bad = try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "etcd-1"), requester: f.alice)
        let empty = try f.file("empty.crl", bytes: try await f.pki.crl(issuer: "etcd"))
        let revoked = try await f.pki.revoke(serial: bad.record.serial, reason: .keyCompromise, by: f.alice)
        #expect(revoked.revocation?.reason == .keyCompromise)
        let der = try await f.pki.crl(issuer: "etcd")
        let crlFile = try f.file("etcd.crl", bytes: der)
        let crlPEM = try f.file("etcd-crl.pem", try openssl(["crl", "-inform", "DER", "-in", crlFile]).output)
        let etcdFile = try f.file("etcd.pem", etcd.certificatePEM)
        let checked = try openssl(["crl", "-inform", "DER", "-in", crlFile, "-noout", "-verify", "-CAfile", etcdFile, "-text"])
        #expect(checked.status == 0 && checked.output.contains("verify OK"), "\(checked.output)")
        #expect(checked.output.contains(bad.record.serial.uppercased()) && checked.output.contains("Key Compromise"), "\(checked.output)")
        #expect(checked.output.contains("Next Update") && checked.output.contains("X509v3 CRL Number"))
        let rootCRL = try f.file("root.crl", bytes: try await f.pki.crl(issuer: "root"))
        let rootCRLPEM = try f.file("root-crl.pem", try openssl(["crl", "-inform", "DER", "-in", rootCRL]).output)
        let chainCRLs = try f.file("crls.pem", try String(contentsOfFile: crlPEM, encoding: .utf8) + String(contentsOfFile: rootCRLPEM, encoding: .utf8))
        let crlCheck = ["-crl_check_all", "-CRLfile", chainCRLs]
        let refused = try f.verify(bad.certificatePEM, trusted: [f.root.certificatePEM], untrusted: [etcd.certificatePEM], extra: crlCheck)
        #expect(refused.status != 0 && refused.output.contains("revoked"), "\(refused.output)")
        let accepted = try f.verify(good.certificatePEM, trusted: [f.root.certificatePEM], untrusted: [etcd.certificatePEM], extra: crlCheck)
        #expect(accepted.status == 0, "\(accepted.output)")
        let leafOnly = try f.verify(
            bad.certificatePEM, trusted: [f.root.certificatePEM], untrusted: [etcd.certificatePEM],
            extra: ["-crl_check", "-CRLfile", crlPEM])
        #expect(leafOnly.status != 0 && leafOnly.output.contains("revoked"), "\(leafOnly.output)")
        // The CRL number grows.
        let numbers = try [empty, crlFile].map { try openssl(["crl", "-inform", "DER", "-in", $0, "-noout", "-crlnumber"]).output }
        #expect(numbers[0] != numbers[1], "\(numbers)")
    }

    @Test("The inventory lists by issuer and by expiry, and every change is an audit record")
    func inventory() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        _ = try await f.pki.createIssuer("etcd", parent: "root", by: f.alice)
        try await f.role("peer", "issuer: etcd\nallowed_names: ['etcd-*']\nmax_ttl: 90d\n")
        try await f.role("root-web", "issuer: root\nallowed_names: [web]\nmax_ttl: 60d\n")
        let short = try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "etcd-0", ttlSeconds: 10 * 86_400), requester: f.alice)
        _ = try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "etcd-1", ttlSeconds: 80 * 86_400), requester: f.alice)
        _ = try await f.pki.issue(role: "root-web", request: IssueRequest(commonName: "web"), requester: f.alice)
        #expect(try await f.pki.certificates().count == 3)
        #expect(try await f.pki.certificates(issuer: "etcd").count == 2)
        #expect(try await f.pki.certificates(expiringWithin: 30 * 86_400).map(\.serial) == [short.record.serial])
        let actions = try await f.pki.auditLog().map(\.action)
        #expect(actions.sorted() == ["issue", "issue", "issue", "issuer-create", "role-set", "role-set"], "\(actions)")
    }

    @Test("An issuance writes its entry of the audit log in its own transaction; a refused one writes none")
    func auditSameTransaction() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        try await f.role("peer", "issuer: root\nallowed_names: ['etcd-*']\nmax_ttl: 90d\n")
        let before = try await f.store.auditLog(AuditQuery(action: "pki")).entries
        await #expect(throws: CAError.self) {
            try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "web"), requester: f.alice)
        }
        #expect(try await f.store.auditLog(AuditQuery(action: "pki")).entries == before)
        let issued = try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "etcd-0"), requester: f.alice)
        let entries = try await f.store.auditLog(AuditQuery(action: "pki.issue")).entries
        let record = try #require(try await f.store.range(.prefix(Array("/kiban/pki/certs/".utf8))).kvs.first)
        #expect(entries.count == 1 && entries.first?.subject == issued.record.serial && entries.first?.actor == "operator:alice")
        #expect(entries.first?.revision == record.modRevision, "written by the issuance's own transaction")
    }
}

@Suite("PKI issuance for nodes")
struct NodeIssuanceTests {
    @Test("A node may get a certificate for its own name only, and only from a role that allows nodes")
    func nodeRequester() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        try await f.role("node", "issuer: root\nallowed_names: ['{{node}}.nodes.dc1.test']\nallow_nodes: true\nkey_types: [p256]\n")
        try await f.role("ops", "issuer: root\nallowed_names: ['*.dc1.test']\n")
        let own = try await f.pki.issue(
            role: "node", request: IssueRequest(commonName: "rack1-n3.nodes.dc1.test"),
            requester: .node(name: "rack1-n3"))
        #expect(own.record.requester == "node:rack1-n3")
        let other = await #expect(throws: CAError.self) {
            _ = try await f.pki.issue(role: "node", request: IssueRequest(commonName: "rack1-n4.nodes.dc1.test"), requester: .node(name: "rack1-n3"))
        }
        #expect(other?.code == .forbidden && other?.problems.first?.hasPrefix("allowed_names") == true)
        let notForNodes = await #expect(throws: CAError.self) {
            _ = try await f.pki.issue(role: "ops", request: IssueRequest(commonName: "rack1-n3.dc1.test"), requester: .node(name: "rack1-n3"))
        }
        #expect(notForNodes?.problems.first?.hasPrefix("allow_nodes") == true)
    }
}

@Suite("PKI audit records of the format before the one log")
struct PKIAuditMigrationTests {
    @Test("Records under /kiban/pki/audit/ move into the audit log once, as pki.<action>")
    func migrate() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        let record = #"{"action":"revoke","actor":"operator:alice","detail":"keyCompromise, issuer etcd","subject":"3f9a","time":"2027-01-15T08:00:00Z"}"#
        _ = try await f.store.put(Array("/kiban/pki/audit/20270115/0000018f00000000/revoke/3f9a".utf8), Array(record.utf8))
        #expect(try await PKIService.migrateAuditLog(in: f.store) == 1)
        #expect(try await PKIService.migrateAuditLog(in: f.store) == 0)
        let entries = try await f.store.auditLog(AuditQuery(action: "pki.revoke")).entries
        #expect(entries.count == 1 && entries.first?.subject == "3f9a" && entries.first?.actor == "operator:alice")
        #expect(try await f.pki.auditLog().map(\.action) == ["revoke"])
    }
}

import Foundation
import Testing

@testable import KibanCA

@Suite("PKI roles: documents and refusals")
struct RoleTests {
    static let web = """
        issuer: root
        allowed_names: ["*.example.com", "node-*.dc1.test", "api.test", "{{node}}.nodes.test"]
        allow_ip_sans: false
        allowed_uri_sans: ["spiffe://dc1/"]
        key_types: [p256, rsa2048]
        max_ttl: 24h
        generate_key: false
        """

    @Test("A role document lists every problem at once, unknown fields included")
    func documentProblems() throws {
        let error = #expect(throws: CAError.self) {
            _ = try KibanCA.Role.parse(
                document: Array("issuer: 3\nallowed_names: api\nmax_tll: 1h\nkey_types: [p521]\next_key_usage: [serverAuth, everything]\nmax_ttl: soon\n".utf8))
        }
        let problems = error?.problems ?? []
        #expect(error?.code == .invalidInput)
        for expected in [
            "issuer: must be a string", "allowed_names: must be a list", "max_tll: unknown field",
            "key_types: p521 is not one of", "ext_key_usage: everything", "max_ttl: must be a duration",
        ] {
            #expect(problems.contains { $0.hasPrefix(expected) }, "missing \(expected) in \(problems)")
        }
    }

    @Test("JSON documents are read too, and a role reads back as the document it was set from")
    func json() throws {
        let role = try KibanCA.Role.parse(document: Array(#"{"issuer": "etcd", "allowed_names": ["etcd-0"], "max_ttl": "30d"}"#.utf8))
        #expect(role.maxTTLSeconds == 30 * 86_400 && role.keyTypes == [.p256] && role.generateKey)
        #expect(role.document["max_ttl"] == .string("30d"))
    }

    static let refusals: [(String, IssueRequest, Requester, Bool, String)] = [
        ("a name outside allowed_names", IssueRequest(commonName: "www.evil.test"), .operator(user: "a"), false, "allowed_names: www.evil.test"),
        ("a suffix pattern does not match the bare domain", IssueRequest(commonName: "example.com"), .operator(user: "a"), false, "allowed_names: example.com"),
        ("a glob stays within one label", IssueRequest(commonName: "node-1.x.dc1.test"), .operator(user: "a"), false, "allowed_names: node-1.x.dc1.test"),
        ("an IP SAN", IssueRequest(commonName: "api.test", sans: ["10.1.2.3"]), .operator(user: "a"), false, "allow_ip_sans: IP SAN 10.1.2.3"),
        (
            "a URI SAN outside the prefixes", IssueRequest(commonName: "api.test", sans: ["spiffe://dc2/x"]), .operator(user: "a"), false,
            "allowed_uri_sans: spiffe://dc2/x"
        ),
        ("a key type", IssueRequest(commonName: "api.test", keyType: .ed25519), .operator(user: "a"), false, "key_types: ed25519"),
        ("a TTL over max_ttl", IssueRequest(commonName: "api.test", ttlSeconds: 48 * 3600), .operator(user: "a"), false, "max_ttl: 2d is longer than 1d"),
        ("a CA-generated key", IssueRequest(commonName: "api.test"), .operator(user: "a"), true, "generate_key:"),
        ("a node, when the role does not allow nodes", IssueRequest(commonName: "n1.nodes.test"), .node(name: "n1"), false, "allow_nodes:"),
    ]

    @Test("Each rule refuses what it does not allow, naming the rule", arguments: refusals)
    func refusal(_ c: (String, IssueRequest, Requester, Bool, String)) throws {
        let role = try KibanCA.Role.parse(document: Array(Self.web.utf8))
        let names = SubjectNames(commonName: c.1.commonName, sans: c.1.sans)
        let ask = RolePolicy.Ask(names: names, keyType: c.1.keyType ?? .p256, ttlSeconds: c.1.ttlSeconds ?? 3600, generatedKey: c.3)
        let refusals = RolePolicy.refusals(ask, role: role, requester: c.2)
        #expect(refusals.count == 1 && refusals[0].hasPrefix(c.4), "\(c.0): \(refusals)")
    }

    @Test("What a role allows passes: suffix, glob, exact, URI prefix, and a node's own name only")
    func allowed() throws {
        var role = try KibanCA.Role.parse(document: Array(Self.web.utf8))
        let ok = { (cn: String, sans: [String], requester: Requester) in
            RolePolicy.refusals(
                RolePolicy.Ask(names: SubjectNames(commonName: cn, sans: sans), keyType: .p256, ttlSeconds: 3600, generatedKey: false),
                role: role, requester: requester)
        }
        #expect(ok("a.b.example.com", ["node-7.dc1.test", "api.test", "spiffe://dc1/etcd"], .operator(user: "a")).isEmpty)
        role.allowNodes = true
        #expect(ok("n1.nodes.test", [], .node(name: "n1")).isEmpty)
        #expect(ok("n2.nodes.test", [], .node(name: "n1")).count == 1)
    }
}

import Foundation
import Testing

@testable import KibanCA

@Suite("PKI issuers: chains, rotation and sealed keys", .enabled(if: opensslPresent))
struct IssuerTests {
    @Test("An intermediate under the cluster root and a leaf it issues verify with openssl verify -x509_strict")
    func intermediateChain() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        let etcd = try await f.pki.createIssuer("etcd", parent: "root", by: f.alice)
        #expect(etcd.parent == "root" && etcd.chainPEM == [f.root.certificatePEM + "\n"])
        try await f.role("etcd-peer", "issuer: etcd\nallowed_names: ['*.etcd.example.com']\nallow_ip_sans: true\n")
        let issued = try await f.pki.issue(
            role: "etcd-peer", request: IssueRequest(commonName: "e0.etcd.example.com", sans: ["10.0.0.1"]),
            requester: f.alice)
        #expect(issued.chainPEM == [etcd.certificatePEM, f.root.certificatePEM + "\n"])
        let result = try f.verify(issued.certificatePEM, trusted: [f.root.certificatePEM], untrusted: [etcd.certificatePEM])
        #expect(result.status == 0, "\(result.output)")
        let byName = try f.verify(
            issued.certificatePEM, trusted: [f.root.certificatePEM], untrusted: [etcd.certificatePEM],
            extra: ["-verify_ip", "10.0.0.1", "-purpose", "sslserver"])
        #expect(byName.status == 0, "\(byName.output)")
        let other = try await f.pki.createIssuer("other", parent: nil, by: f.alice)
        let wrongRoot = try f.verify(issued.certificatePEM, trusted: [other.certificatePEM], untrusted: [etcd.certificatePEM])
        #expect(wrongRoot.status != 0)
    }

    @Test("A separate root and its intermediate chain, and an intermediate cannot parent another CA")
    func separateRoot() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        let kubernetes = try await f.pki.createIssuer("kubernetes", parent: nil, keyType: .p384, by: f.alice)
        let front = try await f.pki.createIssuer("front-proxy", parent: "kubernetes", by: f.alice)
        try await f.role("proxy", "issuer: front-proxy\nallowed_names: [front-proxy-client]\next_key_usage: [clientAuth]\n")
        let issued = try await f.pki.issue(role: "proxy", request: IssueRequest(commonName: "front-proxy-client"), requester: f.alice)
        let result = try f.verify(
            issued.certificatePEM, trusted: [kubernetes.certificatePEM], untrusted: [front.certificatePEM],
            extra: ["-purpose", "sslclient"])
        #expect(result.status == 0, "\(result.output)")
        let refused = await #expect(throws: CAError.self) { _ = try await f.pki.createIssuer("deeper", parent: "front-proxy", by: f.alice) }
        #expect(refused?.code == .forbidden)
        let taken = await #expect(throws: CAError.self) { _ = try await f.pki.createIssuer("kubernetes", parent: nil, by: f.alice) }
        #expect(taken?.code == .conflict)
        #expect(try await f.pki.issuers().map(\.name) == ["root", "front-proxy", "kubernetes"])
    }

    @Test("After rotating a root, old and new chains verify, and the cross-signed certificate bridges old trust to the new key")
    func rootRotation() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        let g1 = try await f.pki.createIssuer("kubernetes", parent: nil, by: f.alice)
        try await f.role("apiserver", "issuer: kubernetes\nallowed_names: [kubernetes.default.svc]\n")
        let before = try await f.pki.issue(role: "apiserver", request: IssueRequest(commonName: "kubernetes.default.svc"), requester: f.alice)
        f.clock.advance(60)
        let g2 = try await f.pki.rotateIssuer("kubernetes", by: f.alice)
        #expect(g2.generation == 2 && g2.generations.first?.retiredAt != nil)
        let cross = try #require(g2.generations.last?.crossSignedPEM)
        let after = try await f.pki.issue(role: "apiserver", request: IssueRequest(commonName: "kubernetes.default.svc"), requester: f.alice)
        #expect(after.record.issuerGeneration == 2 && before.record.issuerGeneration == 1)
        #expect(try f.verify(before.certificatePEM, trusted: [g1.certificatePEM]).status == 0)
        #expect(try f.verify(after.certificatePEM, trusted: [g2.certificatePEM]).status == 0)
        // A relying party that still trusts only generation 1 accepts the new key's certificates.
        let bridged = try f.verify(after.certificatePEM, trusted: [g1.certificatePEM], untrusted: [cross])
        #expect(bridged.status == 0, "\(bridged.output)")
        #expect(try f.verify(after.certificatePEM, trusted: [g1.certificatePEM]).status != 0)
        // A bundle of both roots verifies both, during the overlap.
        #expect(try f.verify(before.certificatePEM, trusted: [g1.certificatePEM, g2.certificatePEM]).status == 0)
        #expect(try f.verify(after.certificatePEM, trusted: [g1.certificatePEM, g2.certificatePEM]).status == 0)
    }

    @Test("After rotating an intermediate, certificates of both generations verify against the unchanged root")
    func intermediateRotation() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        let g1 = try await f.pki.createIssuer("etcd", parent: "root", by: f.alice)
        try await f.role("peer", "issuer: etcd\nallowed_names: [etcd-0]\n")
        let before = try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "etcd-0"), requester: f.alice)
        let g2 = try await f.pki.rotateIssuer("etcd", by: f.alice)
        let after = try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "etcd-0"), requester: f.alice)
        #expect(after.chainPEM.first == g2.certificatePEM)
        let both = [g1.certificatePEM, g2.certificatePEM]
        #expect(try f.verify(before.certificatePEM, trusted: [f.root.certificatePEM], untrusted: both).status == 0)
        #expect(try f.verify(after.certificatePEM, trusted: [f.root.certificatePEM], untrusted: both).status == 0)
        let root = await #expect(throws: CAError.self) { _ = try await f.pki.rotateIssuer("root", by: f.alice) }
        #expect(root?.code == .invalidInput)
    }

    @Test("Issuer keys are in the store only sealed: no raw key or PEM key in state.db or raft.db")
    func noIssuerKeyAtRest() async throws {
        let f = try await PKIFixture()
        defer { Task { await f.stop() } }
        _ = try await f.pki.createIssuer("etcd", parent: "root", by: f.alice)
        _ = try await f.pki.rotateIssuer("etcd", by: f.alice)
        _ = try await f.pki.createIssuer("k8s", parent: nil, keyType: .p384, by: f.alice)
        try await f.role("peer", "issuer: etcd\nallowed_names: [etcd-0]\n")
        let issued = try await f.pki.issue(role: "peer", request: IssueRequest(commonName: "etcd-0"), requester: f.alice)
        var needles: [[UInt8]] = [Array("PRIVATE KEY".utf8), f.kek.rawBytes]
        for name in ["etcd", "k8s"] {
            let (record, _) = try #require(try await f.pki.issuerRecord(name))
            for generation in record.generations {
                let raw = try f.pki.open(record, generation).key.sealedBytes
                needles += [raw, Array(Data(raw).base64EncodedString().prefix(24).utf8)]
            }
        }
        let leafKey = try #require(issued.privateKeyPEM)
        needles.append(Array(leafKey.split(separator: "\n")[1].utf8))
        let dir = f.path + "/m1"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("raft.db") || $0.hasPrefix("state.db") }
        #expect(files.count >= 2)
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)))
            for needle in needles {
                #expect(!contains(bytes, needle), "\(file) holds key material")
            }
        }
        // The views never carry a key.
        let json = String(decoding: try PKICodec.encoder().encode(try await f.pki.issuers()), as: UTF8.self)
        #expect(!json.contains("sealed") && !json.contains("PRIVATE"))
    }

    private func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard bytes.count >= needle.count, let first = needle.first else { return false }
        var i = 0
        while i <= bytes.count - needle.count {
            if bytes[i] == first && bytes[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}

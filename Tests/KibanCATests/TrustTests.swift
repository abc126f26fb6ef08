import Foundation
import KibanTestSupport
import Testing
import X509

@testable import KibanCA

@Suite("Sealed keys, pinned CAs, member identities and renewal")
struct TrustTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("A sealed CA key opens only with its key-encryption key and as its own record")
    func sealing() throws {
        let ca = try CertificateAuthority.create(clusterID: "c1", now: now)
        let kek = KeyEncryptionKey.create()
        let sealed = try ca.sealedKey(with: kek)
        let opened = try CertificateAuthority(certificatePEM: ca.certificatePEM, sealed: sealed, kek: kek)
        #expect(opened.privateKeyRaw == ca.privateKeyRaw)
        let wrongKey = #expect(throws: CAError.self) {
            _ = try CertificateAuthority(certificatePEM: ca.certificatePEM, sealed: sealed, kek: KeyEncryptionKey.create())
        }
        #expect(wrongKey?.code == .invalidKey)
        #expect(throws: CAError.self) { _ = try sealed.open(purpose: "issuer:other", with: kek) }
        var tampered = sealed
        tampered.ciphertext[tampered.ciphertext.startIndex + 20] ^= 1
        #expect(throws: CAError.self) { _ = try tampered.open(purpose: CertificateAuthority.sealPurpose, with: kek) }
        let json = String(decoding: try JSONEncoder().encode(sealed), as: UTF8.self)
        #expect(!json.contains("PRIVATE KEY"))
        #expect(!json.contains(Data(ca.privateKeyRaw).base64EncodedString()))
    }

    @Test("The key-encryption key file is written 0600 and reads back")
    func kekFile() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory("kiban-ca"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/kek"
        let kek = KeyEncryptionKey.create()
        try kek.save(path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try KeyEncryptionKey.load(path: path).id == kek.id)
        try "not base64!".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CAError.self) { _ = try KeyEncryptionKey.load(path: path) }
        #expect(!"\(kek)".contains(Data(kek.rawBytes).base64EncodedString()))
    }

    @Test("A joiner pins exactly one CA certificate: a bundle that adds another CA is refused")
    func pinning() throws {
        let real = try CertificateAuthority.create(clusterID: "c1", now: now)
        let attacker = try CertificateAuthority.create(clusterID: "evil", now: now)
        let token = JoinToken.create(
            clusterID: "c1", name: "boot-2", addresses: ["127.0.0.1:1"],
            caFingerprint: real.fingerprint, ttl: 600, now: now)
        let pinned = try token.pinCA(presentedPEM: real.certificatePEM)
        #expect(pinned.fingerprint == real.fingerprint)
        #expect(pinned.pem == real.certificatePEM)
        for bundle in [
            real.certificatePEM + "\n" + attacker.certificatePEM, attacker.certificatePEM + "\n" + real.certificatePEM,
            real.certificatePEM + "\n" + real.certificatePEM, attacker.certificatePEM, "",
        ] {
            #expect(throws: CAError.self) { _ = try token.pinCA(presentedPEM: bundle) }
        }
    }

    @Test("A member certificate names its cluster and id in a URI SAN that openssl shows")
    func uriIdentity() throws {
        let ca = try CertificateAuthority.create(clusterID: "c1", now: now)
        let identity = MemberIdentity(name: "boot-2", ipAddresses: [[127, 0, 0, 1]], clusterID: "c1", memberID: 0xabc)
        let (_, csr) = try MemberKey.createRequest(for: identity)
        let pem = try ca.signPEM(csr, as: identity, now: now, validity: 3600)
        let parsed = try #require(MemberCertificate(pem: pem))
        #expect(parsed.clusterID == "c1")
        #expect(parsed.memberID == 0xabc)
        #expect(parsed.name == "boot-2")
        #expect(parsed.notValidAfter == now + 3600)
        #expect(!parsed.serial.isEmpty)
        let legacy = try #require(MemberCertificate(pem: try ca.signPEM(csr, as: MemberIdentity(name: "boot-2", ipAddresses: []), now: now)))
        #expect(legacy.memberID == nil)
        if FileManager.default.fileExists(atPath: "/usr/bin/openssl") {
            let dir = URL(fileURLWithPath: try temporaryDirectory("kiban-ca"))
            defer { try? FileManager.default.removeItem(at: dir) }
            try pem.write(toFile: dir.path + "/m.pem", atomically: true, encoding: .utf8)
            let text = try openssl(["x509", "-noout", "-ext", "subjectAltName", "-in", dir.path + "/m.pem"]).output
            #expect(text.contains("URI:spiffe://kiban-c1/member/abc"), "\(text)")
        }
    }

    @Test(
        "URI SANs of other shapes name no member",
        arguments: [
            "spiffe://kiban-c1/member/", "spiffe://kiban-/member/1", "spiffe://other/member/1",
            "spiffe://kiban-c1/node/1", "spiffe://kiban-c1/member/1/x", "spiffe://kiban-c1/member/zz",
        ])
    func badURIs(uri: String) {
        #expect(MemberCertificate.parse(uri: uri) == nil)
    }

    @Test("Renewal is due after two thirds of the lifetime, and at once without a URI identity")
    func renewalPolicy() throws {
        let ca = try CertificateAuthority.create(clusterID: "c1", now: now)
        let identity = MemberIdentity(name: "m", ipAddresses: [], clusterID: "c1", memberID: 7)
        let (_, csr) = try MemberKey.createRequest(for: identity)
        let year = 365.0 * 86_400
        let cert = try #require(MemberCertificate(pem: try ca.signPEM(csr, as: identity, now: now, validity: year)))
        // notValidBefore is five minutes before issuance (clock skew).
        let lifetime = cert.notValidAfter.timeIntervalSince(cert.notValidBefore)
        #expect(!RenewalPolicy.isDue(cert, now: now))
        #expect(!RenewalPolicy.isDue(cert, now: cert.notValidBefore + lifetime * 2 / 3 - 1))
        #expect(RenewalPolicy.isDue(cert, now: cert.notValidBefore + lifetime * 2 / 3))
        #expect(RenewalPolicy.isDue(cert, now: now + year + 1))
        #expect(cert.daysLeft(now: now) == 365)
        #expect(cert.daysLeft(now: now + 300 * 86_400) == 65)
        let legacy = try #require(MemberCertificate(pem: try ca.signPEM(csr, as: MemberIdentity(name: "m", ipAddresses: []), now: now)))
        #expect(RenewalPolicy.isDue(legacy, now: now))
    }
}

import Foundation
import KibanCA
import KibanTestSupport
import Testing
import X509

/// Runs `openssl` (a verifier we did not write) and returns its exit status and output.
func openssl(_ args: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite("Certificate authority")
struct CertificateAuthorityTests {
    let now = Date()
    let member = MemberIdentity(name: "boot-2", ipAddresses: [[127, 0, 0, 1], [10, 69, 0, 3]])

    private func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "A member certificate from a CSR passes openssl verify as server and client, by IP and name",
        .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/openssl")))
    func opensslVerifies() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory("kiban-ca"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority.create(clusterID: "c1", now: now)
        let (_, csr) = try MemberKey.createRequest(for: member)
        let cert = try ca.sign(csr, as: member, now: now)
        let caPath = try write(ca.certificatePEM, "ca.pem", in: dir)
        let certPath = try write(try cert.serializeAsPEM().pemString, "member.pem", in: dir)
        for extra in [
            ["-purpose", "sslserver", "-verify_ip", "127.0.0.1"],
            ["-purpose", "sslclient"],
            ["-purpose", "sslserver", "-verify_hostname", "boot-2"],
        ] {
            let r = try openssl(["verify", "-x509_strict", "-CAfile", caPath] + extra + [certPath])
            #expect(r.status == 0, "openssl verify \(extra): \(r.output)")
        }
        let wrongIP = try openssl(["verify", "-CAfile", caPath, "-verify_ip", "192.0.2.9", certPath])
        #expect(wrongIP.status != 0)
    }

    @Test(
        "A certificate issued by another cluster's CA fails openssl verify",
        .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/openssl")))
    func otherCARejected() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory("kiban-ca"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let ours = try CertificateAuthority.create(clusterID: "ours", now: now)
        let theirs = try CertificateAuthority.create(clusterID: "theirs", now: now)
        let (_, csr) = try MemberKey.createRequest(for: member)
        let rogue = try theirs.sign(csr, as: member, now: now)
        let caPath = try write(ours.certificatePEM, "ca.pem", in: dir)
        let certPath = try write(try rogue.serializeAsPEM().pemString, "rogue.pem", in: dir)
        #expect(try openssl(["verify", "-CAfile", caPath, certPath]).status != 0)
        #expect(ours.fingerprint != theirs.fingerprint)
    }

    @Test("The CA survives its stored PEM form, and refuses a key that is not its own")
    func storedForm() throws {
        let ca = try CertificateAuthority.create(clusterID: "c1", now: now)
        let loaded = try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.privateKeyPEM)
        #expect(loaded.fingerprint == ca.fingerprint)
        let other = try CertificateAuthority.create(clusterID: "c2", now: now)
        #expect(throws: CAError.self) {
            _ = try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: other.privateKeyPEM)
        }
    }

    @Test("Printing the CA never shows its private key")
    func keyNeverPrinted() throws {
        let ca = try CertificateAuthority.create(clusterID: "c1", now: now)
        let keyBody = ca.privateKeyPEM.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        for text in [ca.description, "\(ca)", String(reflecting: ca.certificate)] {
            #expect(!text.contains("PRIVATE KEY"))
            #expect(!text.contains(keyBody))
        }
    }

    @Test(
        "A request that is not a CSR is refused", arguments: ["", "garbage", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"])
    func badRequest(pem: String) throws {
        let ca = try CertificateAuthority.create(clusterID: "c1", now: now)
        #expect(throws: CAError.self) { _ = try ca.sign(pem, as: member, now: now) }
    }

    @Test(
        "The fingerprint is the SHA-256 of the DER certificate, as openssl computes it",
        .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/openssl")))
    func fingerprintMatchesOpenSSL() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory("kiban-ca"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority.create(clusterID: "c1", now: now)
        let path = try write(ca.certificatePEM, "ca.pem", in: dir)
        let r = try openssl(["x509", "-in", path, "-noout", "-fingerprint", "-sha256"])
        let hex = r.output.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").lowercased() } ?? ""
        #expect("sha256:" + hex.trimmingCharacters(in: .whitespacesAndNewlines) == ca.fingerprint)
    }
}

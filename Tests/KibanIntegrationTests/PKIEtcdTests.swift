import Foundation
import Testing

/// Real relying parties for Kiban's PKI: a 3-member etcd cluster with peer and client mutual TLS,
/// etcdctl and openssl, all with certificates from `kiban ca` and a CRL from a member's HTTP port
/// (integration/pki/etcd-mtls.sh says what it checks).
@Suite("PKI with etcd and openssl as relying parties", .serialized)
struct PKIEtcdTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("integration/pki/etcd-mtls.sh").path

    @Test(
        "etcd runs on Kiban's certificates; another issuer's and a revoked client certificate are refused",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/etcd"), "needs etcd-server (scripts/install-deps.sh test)"))
    func etcdWithKibanCertificates() async throws {
        try await DaemonTestSupport.withMember("pki-etcd") { member, root in
            let work = root + "/etcd-mtls"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [Self.script, work]
            p.environment = ProcessInfo.processInfo.environment.merging([
                "KIBAN": ServerProcess.executable.path, "KIBAN_SOCKET": member.socket,
                "KIBAN_HTTP": "127.0.0.1:\(member.httpPort)",
            ]) { $1 }
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(text)")
            #expect(text.contains("etcd-mtls: all checks passed"), "\(text)")
        }
    }
}

import Foundation
import KibanRaft
import KibanStore
import Logging
import Testing

@testable import KibanCA

/// A PKI on a real one-member store in a fresh temporary directory, with a cluster root
/// written at `/kiban/ca` as `kiban init` writes it, and a clock the test moves.
final class PKIFixture: Sendable {
    let path: String
    let store: Store
    let kek = KeyEncryptionKey.create()
    let root: CertificateAuthority
    let clock: TestClock
    let alice = Requester.operator(user: "alice")
    let network = LocalNetwork()

    init() async throws {
        path = NSTemporaryDirectory() + "kiban-pki-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let logger = Logger(label: "kiban.ca.test", factory: { _ in SwiftLogNoOpLogHandler() })
        var options = StoreOptions(id: 1, directory: path + "/m1", bootstrap: ConfState(voters: [1]))
        options.tickInterval = .milliseconds(10)
        options.requestTimeoutTicks = 50
        store = try await Store.open(options, transport: network.transport(for: 1), logger: logger)
        // Real time: openssl verifies at the wall clock.
        clock = TestClock(Date())
        root = try CertificateAuthority.create(clusterID: "c1", now: clock.now)
        let record = ClusterRootRecord(certificatePEM: root.certificatePEM, sealedKey: try root.sealedKey(with: kek))
        _ = try await store.put(PKIKeys.clusterRoot, Array(try JSONEncoder().encode(record)))
    }

    var pki: PKIService {
        let clock = self.clock
        return PKIService(store: store, kek: kek, now: { clock.now })
    }

    /// A file in the fixture's directory holding `text`.
    func file(_ name: String, _ text: String) throws -> String {
        let p = path + "/" + name
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    /// A file holding `bytes`.
    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let p = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Sets role `name` from YAML.
    @discardableResult
    func role(_ name: String, _ yaml: String) async throws -> KibanCA.Role {
        try await pki.setRole(name, document: Array(yaml.utf8), by: alice)
    }

    /// `openssl verify -x509_strict` of `leaf` against `trusted`, with `untrusted` intermediates.
    func verify(_ leaf: String, trusted: [String], untrusted: [String] = [], extra: [String] = []) throws -> (status: Int32, output: String) {
        let ca = try file("ca-\(UUID().uuidString).pem", trusted.joined(separator: "\n"))
        let cert = try file("leaf-\(UUID().uuidString).pem", leaf)
        var args = ["verify", "-x509_strict", "-CAfile", ca] + extra
        if !untrusted.isEmpty { args += ["-untrusted", try file("untrusted-\(UUID().uuidString).pem", untrusted.joined(separator: "\n"))] }
        return try openssl(args + [cert])
    }

    func stop() async {
        await store.stop()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A clock a test sets.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(_ seconds: TimeInterval) {
        lock.lock()
        defer { lock.unlock() }
        current += seconds
    }
}

let opensslPresent = FileManager.default.fileExists(atPath: "/usr/bin/openssl")

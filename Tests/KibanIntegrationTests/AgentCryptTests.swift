import Foundation
import KibanTestSupport
import Testing

/// `kiban agent crypt` with real `cryptsetup` on loop devices over sparse files, against a real
/// daemon: set up (escrow, format, open), "reboot" (close, a new agent process opens with the
/// escrowed key), and another machine's certificate cannot read the key.
@Suite("Encrypted disks through the agent", .serialized)
struct AgentCryptTests {
    static let cryptsetup = ["/usr/sbin/cryptsetup", "/sbin/cryptsetup"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether device-mapper works here (a container may have loop devices but no dm).
    static var deviceMapper: Bool { FileManager.default.fileExists(atPath: "/dev/mapper/control") && dmsetup(["version"]).code == 0 }

    static func dmsetup(_ args: [String]) -> CLIResult {
        ServerProcess.run(
            args, executable: URL(fileURLWithPath: cryptsetup ?? "/usr/sbin/cryptsetup").deletingLastPathComponent().appendingPathComponent("dmsetup"))
    }

    static func run(_ program: String, _ args: String...) -> CLIResult { ServerProcess.run(args, executable: URL(fileURLWithPath: program)) }

    /// A loop device over a sparse file of 64 MiB.
    static func loopDevice(_ file: String) throws -> String {
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        try FileHandle(forWritingAtPath: file).map {
            try $0.truncate(atOffset: 64 << 20)
            try $0.close()
        }
        let r = run("/usr/sbin/losetup", "--find", "--show", file)
        guard r.code == 0 else { throw TestFailure("losetup: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "Set up escrows the key first and formats; a new agent process opens the volume with it; another machine cannot read it",
        .enabled(if: getuid() == 0, "needs root: loop devices and cryptsetup"),
        .enabled(if: cryptsetup != nil, "needs cryptsetup (scripts/install-deps.sh installs cryptsetup-bin)"))
    func crypt() async throws {
        let root = try temporaryDirectory("kiban-crypt")
        let cluster = try await NodeOperationsClusterTests.member(root, prefix: "crypt")
        var loops: [String] = []
        var mappings: [String] = []
        defer {
            for name in mappings { _ = Self.run(Self.cryptsetup ?? "", "close", name) }
            for loop in loops { _ = Self.run("/usr/sbin/losetup", "-d", loop) }
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let m = cluster.members[0]
        let a = AgentProcess(serial: "KB-1", under: root)
        let b = AgentProcess(serial: "KB-2", under: root)
        #expect(try a.join(token: try NodeAgentClusterTests.token(m, "KB-1")).code == 0)
        #expect(try b.join(token: try NodeAgentClusterTests.token(m, "KB-2")).code == 0)
        let loopA = try Self.loopDevice(root + "/a.img")
        loops.append(loopA)
        let loopB = try Self.loopDevice(root + "/b.img")
        loops.append(loopB)
        let nameA = (loopA as NSString).lastPathComponent
        let nameB = (loopB as NSString).lastPathComponent
        mappings += ["crypt-" + nameA, "crypt-" + nameB]

        // Errors first: a missing device, and open (which never formats) on a plain device.
        var r = a.crypt("setup", "/dev/kiban-no-such-disk")
        #expect(r.code != 0 && r.stderr.contains("does not exist"), "\(r.stderr)")
        r = a.crypt("open", loopA)
        #expect(r.code != 0 && r.stderr.contains("not a LUKS volume"), "\(r.stderr)")

        let dm = Self.deviceMapper
        r = a.crypt("setup", loopA)
        #expect(Self.run(Self.cryptsetup ?? "", "isLuks", loopA).code == 0, "formatted: \(r.stderr)")
        if dm {
            #expect(r.code == 0 && r.stdout.contains("opened it as /dev/mapper/crypt-\(nameA)"), "\(r.stderr)")
        } else {
            #expect(r.code != 0 && r.stderr.contains("cryptsetup could not open"), "no device-mapper here: \(r.stderr)")
        }
        #expect(!a.log.contains("key\":") && !r.stderr.contains("key\":"), "no key in the output")
        r = b.crypt("setup", loopB)
        #expect(Self.run(Self.cryptsetup ?? "", "isLuks", loopB).code == 0, "\(r.stderr)")
        let listed = m.cli("machines", "crypts", "list", "KB-1", "-o", "json")
        #expect(listed.stdout.contains(nameA) && !listed.stdout.contains(nameB), "\(listed.stdout)")
        #expect(m.cli("machines", "crypts", "list", "KB-2").stdout.contains(nameB))

        // "Reboot": the mapping closes, a new agent process opens the volume with the escrowed key.
        let mapped = "/dev/mapper/crypt-" + nameA
        if dm {
            let data = Data("kiban crypt test \(UUID().uuidString)".utf8)
            try FileHandle(forWritingAtPath: mapped).map {
                try $0.write(contentsOf: data)
                try $0.synchronize()
                try $0.close()
            }
            #expect(Self.run(Self.cryptsetup ?? "", "close", "crypt-" + nameA).code == 0)
            r = a.crypt("open", loopA)
            #expect(r.code == 0 && r.stdout.contains("opened"), "\(r.stderr)")
            let read = try FileHandle(forReadingAtPath: mapped).map { h in
                defer { try? h.close() }
                return try h.read(upToCount: data.count)
            }
            #expect(read == data, "the data written before the reboot reads back")
        } else {
            // Not a failure of Kiban: the machine running the tests has no device-mapper.
            print(
                "AgentCryptTests: device-mapper is not available here; the volume was formatted and escrowed, and the key is checked, but no mapping is opened")
        }
        r = a.crypt("check", loopA)
        #expect(r.code == 0 && r.stdout.contains("the escrowed key opens"), "\(r.stderr)")

        // Another machine's certificate: its own (absent) key only, never A's.
        let url = "https://\(m.nodeEndpoint)/v1/crypts/\(nameA)"
        let client = root + "/b-client.pem"
        try Data(
            (try String(contentsOfFile: b.stateDir + "/node.pem", encoding: .utf8) + String(contentsOfFile: b.stateDir + "/chain.pem", encoding: .utf8)).utf8
        ).write(to: URL(fileURLWithPath: client))
        let curl = { (args: [String]) in
            ServerProcess.run(["-sS", "-w", "\n%{http_code}", "--cacert", b.stateDir + "/ca.pem"] + args, executable: URL(fileURLWithPath: "/usr/bin/curl"))
                .stdout
        }
        let answer = curl(["--cert", client, "--key", b.stateDir + "/node.key", url])
        #expect(answer.hasSuffix("404") && !answer.contains("\"key\""), "B reads no key of A's device: \(answer)")
        #expect(curl([url]).hasSuffix("403"), "no certificate, no key")
        r = b.crypt("check", loopA)
        #expect(r.code != 0 && r.stderr.contains("no key is escrowed"), "B's agent has no key for A's disk: \(r.stderr)")
        r = m.cli("kv", "get", "/kiban/nodes/disk-keys/KB-1/" + nameA)
        #expect(r.code != 0 && !r.stdout.contains("sealed"), "the kv API does not reach the keys")
    }
}

extension AgentProcess {
    /// `kiban agent crypt ACTION DEVICE…` as this machine.
    func crypt(_ action: String, _ devices: String...) -> CLIResult {
        ServerProcess.run(["agent", "crypt", action, "--state-dir", stateDir] + devices)
    }
}

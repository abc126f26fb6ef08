import Foundation
import KibanNodes
import Testing

/// A fake `/sys` and `/etc` tree in a temporary directory.
func fakeRoot(_ files: [String: String]) throws -> String {
    let root = NSTemporaryDirectory() + "kiban-agent-root-" + UUID().uuidString
    for (path, text) in files {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }
    return root
}

@Suite("What the agent reports and checks")
struct AgentFactsTests {
    @Test("Facts come from DMI, /sys/class/net, /sys/block and os-release; loopback, loop devices and bad values are left out")
    func facts() throws {
        let root = try fakeRoot([
            "sys/class/dmi/id/product_serial": "KB-42\n",
            "sys/class/net/eno1/address": "52:54:00:AB:CD:01\n",
            "sys/class/net/lo/address": "00:00:00:00:00:00\n",
            "sys/class/net/tun0/address": "\n",
            "sys/block/nvme0n1/size": "2000409264\n",
            "sys/block/loop0/size": "100\n",
            "sys/block/sda/size": "not a number\n",
            "etc/os-release": "NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let collector = FactCollector(root: root, agentVersion: "kiban 0.1.0")
        let serial = try #require(collector.serial)
        let facts = collector.collect(serial: serial)
        #expect(facts.serial == "KB-42")
        #expect(facts.nics == [NodeFacts.NIC(name: "eno1", mac: "52:54:00:ab:cd:01")])
        #expect(facts.disks == [NodeFacts.Disk(name: "nvme0n1", bytes: 2_000_409_264 * 512)])
        #expect(facts.osRelease == "Debian GNU/Linux 13 (trixie)")
        #expect(!facts.kernel.isEmpty)
        #expect(facts.problems.isEmpty)
        #expect(FactCollector(root: root, serialOverride: "../x", agentVersion: "").serial == nil, "a serial that is no name is refused")
    }

    @Test("Checks pass and fail as the machine is: a path, a command's exit status, a command past its timeout")
    func checks() async throws {
        let runner = CheckRunner()
        let results = await runner.run([
            HealthCheck(name: "root", path: "/"),
            HealthCheck(name: "missing", path: "/nonexistent-kiban-check"),
            HealthCheck(name: "true", command: ["/bin/true"]),
            HealthCheck(name: "false", command: ["false"]),
            HealthCheck(name: "slow", command: ["/bin/sleep", "30"], timeoutSeconds: 1),
        ])
        #expect(results.map(\.passed) == [true, false, true, false, false])
        #expect(results[3].detail == "exit status 1")
        #expect(results[4].detail.contains("in time"))
    }
}

import Foundation
import KibanTestSupport
import Testing

/// Real clients that we did not write (dhclient, busybox udhcpc, dhcpcd, perfdhcp) through a
/// real relay (isc-dhcp-relay, option 82) in network namespaces, against three Kiban DHCP servers
/// over one 3-member store: three real `kiban server` processes, and `kiban-dhcp-harness` (one
/// process, the servers over an in-process store). The scripts in `integration/harness/` build the
/// topology, drive the clients and check the store; each exits non-zero on the first failed
/// check, with its evidence on stdout.
@Suite(
    "DHCP through a relay in network namespaces", .serialized,
    .enabled(if: NamespaceHarness.available, NamespaceHarness.whyUnavailable))
struct DHCPNamespaceTests {
    @Test("dhclient, udhcpc and dhcpcd lease from their rack's range, renew and release, and no address has two MACs")
    func realClients() throws {
        try NamespaceHarness.run("dhcp-clients.sh")
    }

    @Test("perfdhcp through the relay: every ACKed address has one MAC, on the wire and in the store")
    func perfdhcp() throws {
        try NamespaceHarness.run("dhcp-perfdhcp.sh")
    }

    @Test("perfdhcp with the Raft leader's boot server stopped mid-run: clients still get leases, none twice")
    func perfdhcpLeaderKilled() throws {
        try NamespaceHarness.run("dhcp-perfdhcp.sh", environment: ["KILL_LEADER": "1"])
    }

    @Test("Three kiban server daemons: dhclient, udhcpc and dhcpcd lease from their rack's range, renew and release")
    func daemonRealClients() throws {
        try NamespaceHarness.run("dhcp-clients.sh", environment: ["KIBAN_BIN": NamespaceHarness.kiban])
    }

    @Test("Three kiban server daemons, perfdhcp through the relay, the leader's daemon killed mid-run: no address leased twice")
    func daemonPerfdhcpLeaderKilled() throws {
        try NamespaceHarness.run("dhcp-perfdhcp.sh", environment: ["KILL_LEADER": "1", "KIBAN_BIN": NamespaceHarness.kiban])
    }
}

/// Finds and runs the harness scripts.
enum NamespaceHarness {
    static let tools = ["ip", "dhcrelay", "dhclient", "busybox", "dhcpcd", "perfdhcp", "tcpdump", "python3"]

    /// Why the suite cannot run here, or nil.
    static var missing: String? {
        if getuid() != 0 { return "network namespaces need root" }
        let absent = HarnessScript.missingTools(tools)
        return absent.isEmpty ? nil : "missing \(absent.joined(separator: ", ")) (scripts/install-deps.sh test)"
    }

    static var available: Bool { missing == nil }
    /// The `kiban` executable built beside this test bundle.
    static var kiban: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kiban").path
    }
    static var whyUnavailable: Comment { Comment(rawValue: "skipped: \(missing ?? "")") }

    /// Runs `integration/harness/NAME` with the harness binary built beside this test bundle, at most
    /// 3 minutes; fails with the script's output when it exits non-zero.
    static func run(_ name: String, environment: [String: String] = [:]) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("kiban-dhcp-harness").path
        let (status, text) = try HarnessScript.run(name, seconds: 180, environment: ["KIBAN_DHCP_HARNESS": binary].merging(environment) { $1 })
        #expect(status == 0, "\(name) failed:\n\(text)")
    }
}

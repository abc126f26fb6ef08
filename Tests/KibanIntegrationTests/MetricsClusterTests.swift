import Foundation
import Glibc
import KibanMetrics
import KibanNetboot
import KibanTestSupport
import Testing

/// The metrics port of real `kiban server` processes: every member's exposition parsed by
/// prometheus_client, the cluster-wide status, and the status page in a real headless browser.
@Suite("Metrics and status page", .serialized)
struct MetricsClusterTests {
    /// A label and a host name that would run script if the page did not escape them.
    static let hostile = "<script>alert('kiban')</script>"

    /// Families that exist only once their event happened on that member: its label (the
    /// status code) is not known before (here only the first member serves a boot file).
    static let eventOnly: Set<String> = ["kiban_http_requests_total"]

    @Test(
        """
        Every member exports every family with its type and HELP, counters move with activity, the docs list them \
        all, status and dhcp status cover every member, and the status page renders in chromium with hostile text escaped
        """,
        .enabled(if: getuid() == 0, "needs root: the relay's socket is on port 67"))
    func metricsOfEveryMember() async throws {
        let root = try temporaryDirectory("kiban-metrics")
        let cluster = try await DaemonTestSupport.cluster(3, prefix: "metrics", root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let m = cluster.members[0]
        try seed(m, root: root)
        let before = try Scrape.families(m)

        // Activity: a kv write, a boot file over HTTP, a relayed DHCP exchange, and a TLS 1.2
        // client on the peer port (members speak TLS 1.3 only: its handshake fails).
        #expect(m.cli("kv", "put", "metrics-test", "1").code == 0)
        _ = ServerProcess.runTool("/usr/bin/timeout", ["10", "openssl", "s_client", "-tls1_2", "-connect", m.endpoint])
        #expect(Scrape.get("http://127.0.0.1:\(m.httpPort)/boot/ipxe").code == 200)
        try await dhcpExchange(m)

        var scraped: [String: [String: ScrapedFamily]] = [:]
        for member in cluster.members { scraped[member.name] = try Scrape.families(member) }
        let after = try #require(scraped[m.name])
        try checkFamilies(scraped)
        #expect(
            counter(after, "kiban_store_requests_total", ["op": "txn", "outcome": "ok"])
                > counter(before, "kiban_store_requests_total", ["op": "txn", "outcome": "ok"]))
        #expect(counter(after, "kiban_http_requests_total", ["code": "200"]) > counter(before, "kiban_http_requests_total", ["code": "200"]))
        #expect(counter(after, "kiban_dhcp_replies_total", ["type": "offer"]) > counter(before, "kiban_dhcp_replies_total", ["type": "offer"]))
        #expect(counter(after, "kiban_dhcp_received_total", ["type": "discover"]) >= 1)
        #expect(
            counter(after, "kiban_peer_tls_handshake_failures_total", ["direction": "inbound"])
                > counter(before, "kiban_peer_tls_handshake_failures_total", ["direction": "inbound"]))
        #expect(after["kiban_dhcp_commit_duration_seconds"]?.value(sample: "kiban_dhcp_commit_duration_seconds_count") ?? 0 >= 1)
        #expect(after["kiban_machines"]?.value(["rack": "0", "role": "worker", "state": "uninitialized"]) == 1)
        #expect(after["kiban_dhcp_pool_addresses"]?.value(["rack": "0"]) ?? 0 > 0)
        let leaders = cluster.members.compactMap { scraped[$0.name]?["kiban_raft_is_leader"]?.value() }
        #expect(leaders.sorted() == [0, 0, 1], "exactly one member says it leads: \(leaders)")
        for member in cluster.members.dropFirst() {
            // prometheus_client names a counter's family without `_total`.
            #expect((scraped[member.name]?["kiban_peer_received_bytes"]?.samples.map(\.value).reduce(0, +) ?? 0) > 0, "\(member.name) received Raft traffic")
        }
        try checkDocs(scraped)
        try checkClusterStatus(cluster)
        try await StatusPageBrowserCheck(cluster: cluster, hostile: Self.hostile).run()
        try checkWithoutQuorum(cluster)
    }

    /// With two of three members stopped, the last one's metrics and page still answer at once
    /// (they read its own state) and say that the others do not answer.
    func checkWithoutQuorum(_ cluster: Cluster) throws {
        let last = cluster.members[0]
        for m in cluster.members.dropFirst() { m.stop() }
        let start = ContinuousClock.now
        let families = try Scrape.families(last)
        let (code, page) = Scrape.get("http://\(last.address):\(last.metricsPort)/")
        #expect(ContinuousClock.now - start < .seconds(10), "the scrape and the page did not wait for a quorum")
        #expect(families["kiban_machines"]?.value(["rack": "0", "role": "worker", "state": "uninitialized"]) == 1)
        #expect(code == 200 && (page.contains("1 of 3 members answer") || page.contains("UNHEALTHY")), "\(page.prefix(800))")
        #expect(page.components(separatedBy: "<td>NO: ").count - 1 == 2, "both stopped members are listed as not answering")
    }

    /// IPAM (rack R in 127.0.R.0/24, as in the DHCP tests) and one machine with a hostile label.
    func seed(_ m: ServerProcess, root: String) throws {
        let ipam = root + "/ipam.json"
        let machines = root + "/machines.json"
        try DHCPDaemonTests.ipam.write(toFile: ipam, atomically: true, encoding: .utf8)
        let list = [["serial": "MTEST001", "rack": 0, "role": "worker", "labels": ["note": Self.hostile], "bmc": ["type": "IPMI-2.0"]]]
        try JSONSerialization.data(withJSONObject: list).write(to: URL(fileURLWithPath: machines))
        let set = m.cli("ipam", "set", ipam)
        #expect(set.code == 0, "\(set.stderr)")
        let imported = m.cli("machines", "import", machines)
        #expect(imported.code == 0, "\(imported.stderr)")
    }

    /// A DISCOVER through a relay of rack 1, answered once the member serves the IPAM pool.
    func dhcpExchange(_ m: ServerProcess) async throws {
        let relay: UInt32 = 0x7F00_0101
        let socket = try RelaySocket(address: relay)
        defer { socket.close() }
        let mac: [UInt8] = [0x52, 0x54, 0, 0x4D, 0x45, 0x54]
        var discover = DHCPMessage(op: 1, xid: 0xBEEF, chaddr: mac)
        discover.giaddr = relay
        discover.setOption(.messageType, [DHCPMessageType.discover.rawValue])
        var offer: DHCPMessage?
        try await poll("an OFFER from \(m.name)", seconds: 30) {
            offer = try socket.exchange(discover, to: UInt16(m.dhcpPort))
            return offer?.messageType == .offer
        }
        let o = try #require(offer)
        var request = DHCPDaemonTests.selecting(xid: 0xBEF0, mac: mac, relay: relay, address: o.yiaddr)
        request.setOption(.hostName, Array(Self.hostile.utf8))
        #expect(try socket.exchange(request, to: UInt16(m.dhcpPort))?.messageType == .ack)
    }

    func counter(_ families: [String: ScrapedFamily], _ name: String, _ labels: [String: String]) -> Double {
        families[String(name.dropLast("_total".count))]?.value(labels, sample: name) ?? 0
    }

    /// prometheus_client names a counter's family without `_total`.
    static func catalogName(_ family: ScrapedFamily) -> String { family.type == "counter" ? family.name + "_total" : family.name }

    /// Every scraped family is in the catalog with the same type and its HELP; every catalog
    /// family is on every member (the event-only ones on at least one).
    func checkFamilies(_ scraped: [String: [String: ScrapedFamily]]) throws {
        for (member, families) in scraped {
            let names = Set(families.values.map(Self.catalogName))
            for family in families.values {
                let name = Self.catalogName(family)
                let known = MetricCatalog.family(name)
                #expect(known != nil, "\(member) exports \(name), which the catalog does not list")
                #expect(known?.kind.rawValue == family.type, "\(name) is a \(family.type)")
                #expect(!family.help.isEmpty && family.help == known?.help, "\(name) has no HELP line")
                for sample in family.samples {
                    let labels = Set(sample.labels.keys).subtracting(["le"])
                    #expect(labels == Set(known?.labels ?? []), "\(sample.name) has labels \(labels)")
                }
            }
            let missing = Set(MetricCatalog.families.map(\.name)).subtracting(names).subtracting(Self.eventOnly)
            #expect(missing.isEmpty, "\(member) lacks \(missing.sorted())")
        }
        let anywhere = Set(scraped.values.flatMap { $0.values.map(Self.catalogName) })
        #expect(Self.eventOnly.subtracting(anywhere).isEmpty)
    }

    /// docs/metrics.md names every family in the catalog and every one exported.
    func checkDocs(_ scraped: [String: [String: ScrapedFamily]]) throws {
        let doc = try String(contentsOf: Scrape.repository.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        let names = Set(MetricCatalog.families.map(\.name) + scraped.values.flatMap { $0.values.map(Self.catalogName) })
        let undocumented = names.filter { !doc.contains("`\($0)`") }
        #expect(undocumented.isEmpty, "docs/metrics.md does not name \(undocumented.sorted())")
    }

    /// `kiban status` and `kiban dhcp status --cluster`, asked on a member that did not answer
    /// the DHCP request, show all three members and sum their counters.
    func checkClusterStatus(_ cluster: Cluster) throws {
        let other = cluster.members[2]
        let status = other.cli("status", "-o", "json").json
        let views = (status["views"] as? [[String: Any]]) ?? []
        #expect(Set(views.compactMap { $0["name"] as? String }) == Set(cluster.members.map(\.name)))
        #expect(views.allSatisfy { $0["reachable"] as? Bool == true && ($0["status"] as? [String: Any])?["term"] as? Int != nil })
        #expect(views.filter { ($0["status"] as? [String: Any])?["role"] as? String == "leader" }.count == 1)
        let table = other.cli("status").stdout
        #expect(cluster.members.allSatisfy { table.contains($0.name) }, "\(table)")
        let dhcp = other.cli("dhcp", "status", "--cluster", "-o", "json").json
        let members = (dhcp["members"] as? [[String: Any]]) ?? []
        let received = members.compactMap { ($0["status"] as? [String: Any])?["received"] as? Int }
        #expect(received.count == 3)
        #expect((dhcp["total"] as? [String: Any])?["received"] as? Int == received.reduce(0, +))
        #expect(received.reduce(0, +) >= 1, "the DISCOVER sent to \(cluster.members[0].name) is in the sum asked on \(other.name)")
        let dhcpTable = other.cli("dhcp", "status", "--cluster").stdout
        #expect(dhcpTable.contains("TOTAL") && cluster.members.allSatisfy { dhcpTable.contains($0.name) }, "\(dhcpTable)")
    }
}

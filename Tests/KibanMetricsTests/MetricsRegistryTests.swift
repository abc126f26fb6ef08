import CoreMetrics
import KibanMetrics
import Testing

@Suite("Metrics registry")
struct MetricsRegistryTests {
    @Test("Each family in the exposition has its catalog HELP line before its TYPE line")
    func helpLines() {
        let metrics = MetricsRegistry()
        Counter(label: "kiban_audit_records_total", factory: metrics.factory).increment()
        metrics.gauge("kiban_raft_term", [], 7)
        let lines = metrics.exposition().split(separator: "\n").map(String.init)
        let type = lines.firstIndex(of: "# TYPE kiban_raft_term gauge")
        #expect(type.map { lines[$0 - 1] } == "# HELP kiban_raft_term The current Raft term.")
        #expect(lines.contains("kiban_raft_term 7.0"))
        #expect(lines.contains("kiban_audit_records_total 1"))
    }

    @Test("A mirrored total grows its counter by the difference, and counts in full again after it went down")
    func mirror() {
        let metrics = MetricsRegistry()
        metrics.mirror("kiban_dhcp_received_total", [("type", "discover")], total: 5)
        metrics.mirror("kiban_dhcp_received_total", [("type", "discover")], total: 8)
        #expect(metrics.exposition().contains(#"kiban_dhcp_received_total{type="discover"} 8"#))
        // The DHCP server restarted: its total began again at 2, the counter never goes down.
        metrics.mirror("kiban_dhcp_received_total", [("type", "discover")], total: 2)
        #expect(metrics.exposition().contains(#"kiban_dhcp_received_total{type="discover"} 10"#))
    }

    @Test("Catalog names follow the conventions: kiban_ prefix, _total exactly on counters, no duplicates")
    func catalogNames() {
        let names = MetricCatalog.families.map(\.name)
        #expect(Set(names).count == names.count)
        for f in MetricCatalog.families {
            #expect(f.name.hasPrefix("kiban_"), "\(f.name)")
            #expect(f.name.hasSuffix("_total") == (f.kind == .counter), "\(f.name)")
            #expect(f.name.wholeMatch(of: /[a-z_]+/) != nil, "\(f.name)")
        }
    }
}

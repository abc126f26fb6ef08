public import CoreMetrics
import Prometheus
import Synchronization

/// One member's metrics: the Prometheus registry every family lives in, the swift-metrics
/// factory the subsystems record through, and the text exposition the metrics port serves.
///
/// ```swift
/// let metrics = MetricsRegistry()
/// Counter(label: "kiban_audit_records_total", factory: metrics.factory).increment()
/// metrics.gauge("kiban_blob_bytes", [], 1_048_576)      // a value computed at scrape time
/// let text = metrics.exposition()                        // # HELP, # TYPE, samples
/// ```
///
/// A registry per daemon, passed down, never `MetricsSystem.bootstrap`: tests run several
/// members in one process.
public final class MetricsRegistry: Sendable {
    private let registry = PrometheusCollectorRegistry()
    /// The factory subsystems create their counters, gauges, timers and recorders with.
    public let factory: any MetricsFactory
    private let totals = Mutex<[String: Int64]>([:])

    /// An empty registry whose histograms have the catalog's buckets.
    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = MetricCatalog.latencyBuckets
        factory.durationHistogramBuckets = MetricCatalog.durationBuckets
        factory.valueHistogramBuckets = MetricCatalog.valueBuckets
        self.factory = factory
    }

    /// Sets gauge `name` with `labels` to `value` (for values computed at scrape time).
    public func gauge(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }

    /// Brings counter `name` with `labels` up to `total`, a running total another component
    /// keeps (DHCP's ``counters``, the HTTP server's): the counter grows by the difference since
    /// the last call. A total that went down (its component restarted) counts in full again.
    public func mirror(_ name: String, _ labels: [(String, String)] = [], total: Int64) {
        let key = name + "{" + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
        let delta = totals.withLock { seen -> Int64 in
            let previous = seen[key] ?? 0
            seen[key] = total
            return total >= previous ? total - previous : total
        }
        // Created even when zero, so the family exists from the first scrape.
        Counter(label: name, dimensions: labels, factory: factory).increment(by: delta)
    }

    /// The Prometheus text format (version 0.0.4), each family preceded by its HELP line from
    /// ``MetricCatalog``.
    public func exposition() -> String {
        let text = registry.emitToString()
        var out = ""
        out.reserveCapacity(text.utf8.count + 4096)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE "), let name = line.split(separator: " ").dropFirst(2).first,
                let family = MetricCatalog.family(String(name))
            {
                out += "# HELP \(name) \(family.help)\n"
            }
            out += line
            out += "\n"
        }
        return out
    }
}

/// One metric family Kiban exports: its name, Prometheus type, label names and meaning. The
/// catalog (``MetricCatalog``) is the single list the exposition's HELP lines, docs/metrics.md
/// and the tests agree on.
public struct MetricFamily: Sendable, Hashable {
    /// The Prometheus type.
    public enum Kind: String, Sendable, Hashable {
        case counter, gauge, histogram
    }

    /// The family name as exported (`_total` included for counters).
    public var name: String
    public var kind: Kind
    /// Label names; every one has a bounded set of values.
    public var labels: [String]
    /// One line: what a sample means.
    public var help: String

    /// A family without labels.
    public init(_ name: String, _ kind: Kind, _ help: String) {
        self.init(name, kind, [], help)
    }

    /// A family with labels.
    public init(_ name: String, _ kind: Kind, _ labels: [String], _ help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }
}

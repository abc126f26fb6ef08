import CoreMetrics

/// What the store records about itself, through a swift-metrics factory the owner passes in
/// ``StoreOptions/metrics`` (the daemon's Prometheus registry; a no-op by default). Values the
/// owner can read at any time (term, indexes, revision, watches) are not recorded here: it
/// reads them from ``Store/status`` when scraped. The family names are in docs/metrics.md.
struct StoreMetrics: Sendable {
    let factory: any MetricsFactory
    private let fsync: Timer
    private let batch: Recorder
    private let leaderChanges: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        fsync = Timer(label: "kiban_raft_fsync_duration_seconds", factory: factory)
        batch = Recorder(label: "kiban_raft_batch_entries", factory: factory)
        leaderChanges = Counter(label: "kiban_raft_leader_changes_total", factory: factory)
        // Created at zero, so that the families exist before the first event.
        for outcome in ["applied", "failed"] {
            Counter(label: "kiban_raft_proposals_total", dimensions: [("outcome", outcome)], factory: factory).increment(by: 0)
        }
    }

    /// One raft.db write of `entries` entries that took `duration` (the fsync included).
    func persisted(entries: Int, duration: Duration) {
        fsync.recordInterval(duration)
        if entries > 0 { batch.record(entries) }
    }

    /// The leader this member knows changed.
    func leaderChanged() { leaderChanges.increment() }

    /// A store request (`op`: range, txn, compact, lease_grant, …) ended with `outcome` (`ok`
    /// or the error code) after `duration`.
    func request(_ op: String, outcome: String, duration: Duration) {
        Counter(label: "kiban_store_requests_total", dimensions: [("op", op), ("outcome", outcome)], factory: factory).increment()
        Timer(label: "kiban_store_request_duration_seconds", dimensions: [("op", op)], factory: factory).recordInterval(duration)
    }

    /// A proposal made here was applied, or failed for good.
    func proposal(applied: Bool) {
        Counter(label: "kiban_raft_proposals_total", dimensions: [("outcome", applied ? "applied" : "failed")], factory: factory).increment()
    }
}

extension Timer {
    /// Records `duration` in nanoseconds (the Prometheus exporter shows seconds).
    func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension Command {
    /// The operation's name in ``StoreMetrics`` labels.
    var metricOp: String {
        switch self {
        case .txn: "txn"
        case .leaseGrant: "lease_grant"
        case .leaseRevoke: "lease_revoke"
        case .leaseKeepAlive: "lease_keepalive"
        case .compact: "compact"
        }
    }
}

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
    private let proposalsApplied: Counter
    private let proposalsFailed: Counter
    /// Per operation, made once: the successful count and the duration, recorded on every request.
    private let succeeded: [String: (count: Counter, duration: Timer)]

    /// The operations ``request(_:outcome:duration:)`` is called with.
    static let ops = ["range", "txn", "compact", "lease_grant", "lease_revoke", "lease_keepalive"]

    init(factory: any MetricsFactory) {
        self.factory = factory
        fsync = Timer(label: "kiban_raft_fsync_duration_seconds", factory: factory)
        batch = Recorder(label: "kiban_raft_batch_entries", factory: factory)
        leaderChanges = Counter(label: "kiban_raft_leader_changes_total", factory: factory)
        // Made at zero, so that the families exist before the first event.
        proposalsApplied = Counter(label: "kiban_raft_proposals_total", dimensions: [("outcome", "applied")], factory: factory)
        proposalsFailed = Counter(label: "kiban_raft_proposals_total", dimensions: [("outcome", "failed")], factory: factory)
        proposalsApplied.increment(by: 0)
        proposalsFailed.increment(by: 0)
        succeeded = Dictionary(
            uniqueKeysWithValues: Self.ops.map { op in
                (
                    op,
                    (
                        Counter(label: "kiban_store_requests_total", dimensions: [("op", op), ("outcome", "ok")], factory: factory),
                        Timer(label: "kiban_store_request_duration_seconds", dimensions: [("op", op)], factory: factory)
                    )
                )
            })
    }

    /// One raft.db write of `entries` entries that took `duration` (the fsync included).
    func persisted(entries: Int, duration: Duration) {
        fsync.recordInterval(duration)
        if entries > 0 { batch.record(entries) }
    }

    /// The leader this member knows changed.
    func leaderChanged() { leaderChanges.increment() }

    /// A store request (`op`: one of ``ops``) ended with `outcome` (`ok` or the error code) after
    /// `duration`. The common case uses the handles made at start; failures, rare, go through
    /// the factory.
    func request(_ op: String, outcome: String, duration: Duration) {
        if outcome == "ok", let made = succeeded[op] {
            made.count.increment()
            made.duration.recordInterval(duration)
            return
        }
        Counter(label: "kiban_store_requests_total", dimensions: [("op", op), ("outcome", outcome)], factory: factory).increment()
        Timer(label: "kiban_store_request_duration_seconds", dimensions: [("op", op)], factory: factory).recordInterval(duration)
    }

    /// A proposal made here was applied, or failed for good.
    func proposal(applied: Bool) {
        (applied ? proposalsApplied : proposalsFailed).increment()
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

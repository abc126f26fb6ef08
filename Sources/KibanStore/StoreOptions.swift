public import CoreMetrics
public import KibanRaft

/// How a ``Store`` runs: its identity, files and timing.
public struct StoreOptions: Sendable {
    /// This member's Raft id; never 0.
    public var id: NodeID
    /// The directory holding raft.db and state.db (created if missing).
    public var directory: String
    /// For a founding member of a new group: the initial configuration. Ignored when the
    /// directory already holds a log. A joining member passes nil and waits for a snapshot.
    public var bootstrap: ConfState?
    /// Where the store records its metrics (``StoreMetrics``); by default nowhere.
    public var metrics: any MetricsFactory = NOOPMetricsHandler.instance
    /// Wall-clock time of one Raft tick.
    public var tickInterval: Duration = .milliseconds(100)
    /// Ticks without a leader before an election (Raft draws from [n, 2n)).
    public var electionTimeoutTicks = 10
    /// Ticks between heartbeats.
    public var heartbeatIntervalTicks = 1
    /// Ticks a proposal or read waits for an answer before it is proposed again.
    public var requestTimeoutTicks = 30
    /// Attempts before a request fails with `unavailable`.
    public var requestAttemptsMax = 10
    /// Applied entries beyond the last snapshot that trigger a new snapshot and log compaction
    /// (etcd 3.4's `--snapshot-count` default). A snapshot copies all of state.db, so this
    /// trades raft.db's size against how often that copy blocks the member.
    public var snapshotEntries: UInt64 = 100_000

    /// Revisions of history the leader keeps: once the history is twice as long, it proposes a
    /// compaction to the latest revision minus this (0: only explicit ``Store/compact(_:)``).
    /// Watchers and past-revision reads older than that get `compacted`.
    public var historyRevisionsKept: Int64 = 100_000

    /// Live events one watch may hold for a consumer that has not read them; one more and the
    /// watch ends with `watchCancelled` (the consumer re-lists and watches again).
    public var watchEventsBufferedMax = 10_000
    /// Bytes (keys, values and 64 per event) one watch may hold, with the same outcome.
    public var watchBytesBufferedMax = 64 << 20
    /// Events of history a watch reads from state.db at a time, as its consumer reads them.
    public var watchHistoryPageEvents = 1_000

    /// UNSAFE, for one test only: raft.db and state.db never fsync, so a power cut loses
    /// acknowledged writes. The power-loss test (`integration/harness/powerloss-vm.sh`) sets it through
    /// `kiban-store-crash` to show that it catches a store that skips its fsyncs. Not public:
    /// no configuration file or flag reaches it.
    package var unsafeSkipFsyncForTests = false

    /// Options with the defaults above.
    public init(id: NodeID, directory: String, bootstrap: ConfState? = nil) {
        self.id = id
        self.directory = directory
        self.bootstrap = bootstrap
    }

    var raftConfig: Config {
        var c = Config(id: id)
        c.electionTimeoutTicks = electionTimeoutTicks
        c.heartbeatIntervalTicks = heartbeatIntervalTicks
        return c
    }
}

/// How fresh a read must be.
public enum ReadConsistency: Sendable, Hashable {
    /// Reflects every write acknowledged before the read began (ReadIndex through the leader).
    case linearizable
    /// Answered from this member's state: may be stale, never goes backwards on one member.
    case serializable
}

import Foundation
public import KibanRaft
public import Logging

/// The replicated key-value store: a Raft member with its log in raft.db and its state machine
/// in state.db, and the etcd-like API that subsystems call.
///
/// One actor owns the ``KibanRaft/RawNode``, both databases and every waiting request; its
/// background tasks tick the node and feed it messages. Each ``KibanRaft/Ready`` is processed
/// in the documented order (persist → send → apply → release reads → advance), and proposals
/// that arrive while a Ready is being written wait for the next one: one fsync covers them all.
///
/// ```swift
/// let store = try await Store.open(StoreOptions(id: 1, directory: dir, bootstrap: ConfState(voters: [1])),
///                                  transport: network.transport(for: 1), logger: logger)
/// let rev = try await store.put(Array("k".utf8), Array("v".utf8))
/// let kv = try await store.get(Array("k".utf8))           // linearizable
/// ```
public actor Store {
    let options: StoreOptions
    let logger: Logger
    let transport: any Transport
    let log: SQLiteLogStorage
    let machine: StateMachine
    var node: RawNode
    /// This instance's client id for exactly-once proposals (random per start).
    let client = UInt64.random(in: 1...UInt64.max)
    var nextSequence: UInt64 = 1
    var ticks: UInt64 = 0
    var proposals = Waiters<CommandResult>()
    /// Sequences whose ``propose(_:)`` has not returned: their results must be kept.
    var unanswered: Set<UInt64> = []
    var reads = Waiters<Void>()
    var tickWaits = Waiters<Void>()
    /// Confirmed read indexes waiting for the state machine to catch up, by read id.
    var readsAwaitingApply: [UInt64: UInt64] = [:]
    var watchers: [UInt64: Watcher] = [:]
    var nextWatcherID: UInt64 = 1
    /// Leader only: lease id → tick at which it expires.
    var leaseDeadlines: [Int64: UInt64] = [:]
    var leasesBeingRevoked: Set<Int64> = []
    /// Leader only: an automatic history compaction is being proposed.
    var autoCompacting = false
    var readyScheduled = false
    var stopped = false
    var tasks: [Task<Void, Never>] = []
    let metrics: StoreMetrics
    /// The leader the last Ready reported, to count changes.
    var knownLeader: NodeID = 0
    /// The tick at which each member was last heard from (any Raft message).
    var lastHeard: [NodeID: UInt64] = [:]

    init(options: StoreOptions, transport: any Transport, logger: Logger) throws(StoreError) {
        do {
            // Only the store's user may read it (its files are created 0600: SQLiteDatabase).
            try FileManager.default.createDirectory(
                atPath: options.directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.database, "cannot create \(options.directory): \(error)")
        }
        self.options = options
        self.transport = transport
        metrics = StoreMetrics(factory: options.metrics)
        var logger = logger
        logger[metadataKey: "kiban.store.member"] = "\(options.id)"
        self.logger = logger
        let unsafe = options.unsafeSkipFsyncForTests
        log = try SQLiteLogStorage(
            path: options.directory + "/raft.db", bootstrap: options.bootstrap,
            synchronous: unsafe ? .off : .full)
        machine = try StateMachine(path: options.directory + "/state.db", synchronous: unsafe ? .off : .normal)
        try Self.repair(machine, from: log)
        var config = options.raftConfig
        config.applied = machine.appliedIndex
        do {
            node = try RawNode(config: config, storage: log, random: SystemRandomNumberGenerator())
        } catch {
            throw StoreError(.badRequest, "invalid Raft configuration: \(error)")
        }
    }

    /// Opens the member's files, joins the group through `transport`, and starts ticking.
    /// - Throws: ``StoreError`` `database` or `corrupt` when the files cannot be used.
    public static func open(
        _ options: StoreOptions, transport: any Transport, logger: Logger,
        clock: some Clock<Duration> = ContinuousClock()
    ) async throws(StoreError) -> Store {
        let store = try Store(options: options, transport: transport, logger: logger)
        await store.start(clock: clock)
        return store
    }

    /// Brings state.db up to raft.db's snapshot when a crash fell between installing a snapshot
    /// in raft.db and in state.db, or when the log was bootstrapped (an empty snapshot).
    private static func repair(_ machine: StateMachine, from log: SQLiteLogStorage) throws(StoreError) {
        let snap: Snapshot
        do { snap = try log.snapshot() } catch { throw StoreError(.corrupt, "raft.db: \(error)") }
        guard snap.metadata.index > machine.appliedIndex else { return }
        if snap.data.isEmpty {
            try machine.markApplied(snap.metadata.index)
        } else {
            try machine.install(snap.data, at: snap.metadata.index)
        }
    }

    private func start(clock: some Clock<Duration>) {
        let interval = options.tickInterval
        tasks.append(
            Task { [weak self] in
                while !Task.isCancelled {
                    do { try await clock.sleep(for: interval) } catch { return }
                    guard let self else { return }
                    await self.tick()
                }
            })
        let transport = self.transport
        tasks.append(
            Task { [weak self] in
                while let batch = await transport.receive() {
                    guard let self else { return }
                    await self.receive(batch)
                }
            })
    }

    /// Stops the member: background tasks end and waiting requests fail with `stopped`.
    /// The files stay consistent; opening them again resumes where this member was.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        for t in tasks { t.cancel() }
        tasks = []
        let error = StoreError(.stopped, "the store was stopped")
        proposals.failAll(error)
        reads.failAll(error)
        tickWaits.failAll(error)
        failWatchers(error)
        // Release read snapshots now; the connections close when the actor is released.
        log.db.resetAll()
        machine.db.resetAll()
    }

    /// Watches open now.
    public var watchCount: Int { watchers.count }

    /// Role, leader, term, indexes and revision of this member.
    public var status: StoreStatus {
        StoreStatus(
            id: options.id, role: node.role, leader: node.leader, term: node.term,
            commitIndex: node.commitIndex, appliedIndex: machine.appliedIndex,
            revision: machine.revision, compactRevision: machine.compactRevision,
            firstLogIndex: node.firstIndex, conf: node.confState)
    }
}

/// A member's state for monitoring and tests.
public struct StoreStatus: Sendable, Hashable {
    /// This member.
    public var id: NodeID
    /// What it is doing.
    public var role: Role
    /// The leader it knows of, or 0.
    public var leader: NodeID
    /// The current term.
    public var term: UInt64
    /// The highest index known committed.
    public var commitIndex: UInt64
    /// The index whose effects are in state.db.
    public var appliedIndex: UInt64
    /// The store revision.
    public var revision: Int64
    /// History before this revision is gone.
    public var compactRevision: Int64
    /// The first index still in raft.db (the log is compacted before it).
    public var firstLogIndex: UInt64
    /// The membership.
    public var conf: ConfState
}

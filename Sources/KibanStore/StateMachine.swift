import Foundation
import KibanRaft

/// The key-value state machine in `state.db`: etcd's data model (revisions, versions, leases,
/// history for watches) on SQLite.
///
/// **Applying is exactly-once across crashes:** ``apply(_:)`` writes the effects of a batch of
/// committed entries and the new applied index in one transaction, so after a crash either both
/// are on disk or neither is, and Raft hands out again exactly the entries not yet applied.
///
/// Not thread-safe: the store's single task owns it.
final class StateMachine {
    var db: SQLiteDatabase
    /// The last log index whose effects are in the file.
    var appliedIndex: UInt64 = 0
    /// The store revision: incremented by each transaction that changes a key.
    var revision: Int64 = 0
    /// History before this revision is gone (0: nothing compacted).
    var compactRevision: Int64 = 0

    /// Opens (or creates) the state machine at `path`.
    ///
    /// state.db runs with `synchronous=NORMAL`: it is derived from raft.db, which is fsynced at
    /// every commit. A power cut may lose state.db's last transactions, but they take their
    /// applied index with them (same transaction), so Raft hands the entries out again from
    /// raft.db — or, if compaction removed them, `Store` reinstalls raft.db's snapshot, which
    /// covers them. This saves one fsync per Ready on every member. (`.off` only in the
    /// power-loss test's unsafe variant.)
    init(path: String, synchronous: SQLiteDatabase.Synchronous = .normal) throws(StoreError) {
        db = try SQLiteDatabase(path: path, synchronous: synchronous)
        try Migrator.migrate(db, file: "state.db", migrations: StateSchema.migrations)
        try loadMeta()
    }

    func loadMeta() throws(StoreError) {
        appliedIndex = UInt64(try meta("applied_index"))
        revision = try meta("revision")
        compactRevision = try meta("compact_revision")
    }

    func meta(_ key: String) throws(StoreError) -> Int64 {
        let st = try db.statement("SELECT value FROM meta WHERE key = ?")
        st.bind(.blob(Array(key.utf8)))
        return try st.step() ? st.int64(0) : 0
    }

    func setMeta(_ key: String, _ value: Int64) throws(StoreError) {
        try db.statement("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")
            .bind(.blob(Array(key.utf8)), .integer(value)).run()
    }

    /// What applying one entry produced, for the proposer and for watchers.
    struct Applied {
        var index: UInt64
        var client: UInt64
        var sequence: UInt64
        var result: CommandResult
        var events: [WatchEvent]
    }

    /// Applies committed entries in order, in one transaction with the new applied index.
    /// Entries at or below the applied index are skipped (already applied before a crash).
    func apply(_ entries: [Entry]) throws(StoreError) -> [Applied] {
        let fresh = entries.filter { $0.index > appliedIndex }
        guard let last = fresh.last else { return [] }
        let before = (revision, compactRevision)
        do {
            return try db.transaction { () throws(StoreError) -> [Applied] in
                var out: [Applied] = []
                for e in fresh {
                    try forgetAbandoned(at: e.index)
                    guard e.kind == .normal && !e.data.isEmpty else { continue }
                    if let applied = try applyEntry(e) { out.append(applied) }
                }
                try setMeta("applied_index", Int64(last.index))
                try setMeta("revision", revision)
                try setMeta("compact_revision", compactRevision)
                appliedIndex = last.index
                return out
            }
        } catch {
            (revision, compactRevision) = before
            throw error
        }
    }

    private func applyEntry(_ e: Entry) throws(StoreError) -> Applied? {
        let proposal: Proposal
        do {
            proposal = try Proposal(encoded: e.data)
        } catch {
            // Every member skips the same bad entry the same way, so replicas stay identical.
            return nil
        }
        try forgetAcknowledged(client: proposal.client, below: proposal.acknowledgedBelow)
        if let stored = try storedResult(client: proposal.client, sequence: proposal.sequence) {
            return Applied(index: e.index, client: proposal.client, sequence: proposal.sequence, result: stored, events: [])
        }
        var events: [WatchEvent] = []
        let result = try execute(proposal.command, index: e.index, events: &events)
        try storeResult(result, client: proposal.client, sequence: proposal.sequence, index: e.index)
        return Applied(index: e.index, client: proposal.client, sequence: proposal.sequence, result: result, events: events)
    }

    private func execute(_ command: Command, index: UInt64, events: inout [WatchEvent]) throws(StoreError) -> CommandResult {
        switch command {
        case .txn(let txn):
            return try applyTxn(txn, events: &events)
        case .leaseGrant(let id, let ttl):
            return try grantLease(id: id == 0 ? Int64(index) : id, ttlSeconds: ttl)
        case .leaseRevoke(let id, _):
            return try revokeLease(id: id, events: &events)
        case .leaseKeepAlive(let id):
            guard let ttl = try leases()[id] else {
                return .failed(StoreError(.leaseNotFound, "lease \(id) does not exist (expired or revoked)"))
            }
            return .leaseGranted(id: id, ttlSeconds: ttl)
        case .compact(let rev):
            return try compact(rev)
        }
    }
}

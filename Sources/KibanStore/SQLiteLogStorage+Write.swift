public import KibanRaft

extension SQLiteLogStorage {
    /// Persists what a ``KibanRaft/Ready`` asks for — its snapshot (replacing the log), its
    /// entries (truncating a conflicting suffix) and its hard state — in ONE transaction: one
    /// fsync for the whole batch (group commit). Step 1 of the Ready order.
    /// - Throws: ``StoreError`` `database`; the node must stop (the disk is not trustworthy).
    ///
    /// When `sync` is false (Raft's `mustSync`: only the commit index changed) the transaction
    /// is committed without an fsync: losing it in a power cut loses nothing Raft promised, and
    /// the next synced commit flushes it anyway (WAL frames are written in order). That commit
    /// must not checkpoint: under `synchronous=OFF` a checkpoint copies the WAL into raft.db
    /// without fsyncing raft.db, and the next commit then starts the WAL over, so a power cut
    /// would lose pages that are in neither file (the power-loss test found raft.db malformed).
    /// The checkpoint is left to the next synced commit.
    public func persist(snapshot: Snapshot?, entries: [Entry], hardState: HardState?, sync: Bool = true) throws(StoreError) {
        if snapshot == nil && entries.isEmpty && hardState == nil { return }
        let relaxed = !sync && snapshot == nil && entries.isEmpty
        let autocheckpoint = relaxed ? try db.integer("PRAGMA wal_autocheckpoint") : 0
        if relaxed { try db.execute("PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=0") }
        defer {
            if relaxed {
                try? db.execute("PRAGMA synchronous=\(db.synchronous.rawValue); PRAGMA wal_autocheckpoint=\(autocheckpoint)")
            }
        }
        try write { () throws(StoreError) in
            if let snapshot { try installSnapshotRows(snapshot) }
            try appendRows(entries)
            if let hardState { try writeHardState(hardState) }
        }
    }

    /// Appends entries, truncating any conflicting suffix first (``KibanRaft/MemoryStorage/append(_:)``).
    public func append(_ entries: [Entry]) throws(StoreError) {
        try persist(snapshot: nil, entries: entries, hardState: nil)
    }

    /// Persists the hard state.
    public func setHardState(_ state: HardState) throws(StoreError) {
        try persist(snapshot: nil, entries: [], hardState: state)
    }

    /// Replaces the whole log by a snapshot received from the leader (ignored when older than ours).
    public func applySnapshot(_ snapshot: Snapshot) throws(StoreError) {
        try persist(snapshot: snapshot, entries: [], hardState: nil)
    }

    /// Records a snapshot of the application's state at `index` (which it has applied) and
    /// deletes the entries it covers: this is log compaction. Call
    /// ``KibanRaft/RawNode/compacted(upTo:)`` afterwards.
    /// - Throws: ``StoreError`` `badRequest` when `index` is past the last entry.
    public func createSnapshot(index: UInt64, confState: ConfState, data: [UInt8]) throws(StoreError) {
        guard index > snapshotMetadata.index else { return }
        guard index <= last else {
            throw StoreError(.badRequest, "cannot snapshot at \(index): the log ends at \(last)")
        }
        let term: UInt64
        do { term = try self.term(index) } catch { throw StoreError(.corrupt, "no term for entry \(index): \(error)") }
        let meta = SnapshotMetadata(index: index, term: term, confState: confState)
        try write { () throws(StoreError) in
            try writeSnapshotRow(Snapshot(metadata: meta, data: data))
            try db.statement("DELETE FROM entries WHERE idx <= ?").bind(.u(index)).run()
            snapshotMetadata = meta
        }
    }

    /// Runs `body` in a transaction and refreshes the cache from the file, whatever happened.
    /// Runs `body` in a transaction; on failure the cache is read back from the file, since
    /// `body` may have updated it before the rollback.
    private func write(_ body: () throws(StoreError) -> Void) throws(StoreError) {
        do {
            try db.transaction(body)
        } catch {
            try? reload()
            throw error
        }
    }

    private func installSnapshotRows(_ snapshot: Snapshot) throws(StoreError) {
        guard snapshot.metadata.index > snapshotMetadata.index else { return }
        try writeSnapshotRow(snapshot)
        try db.execute("DELETE FROM entries")
        snapshotMetadata = snapshot.metadata
        last = snapshot.metadata.index
    }

    private func writeSnapshotRow(_ snapshot: Snapshot) throws(StoreError) {
        let st = try db.statement("INSERT OR REPLACE INTO snapshot(id, idx, term, conf, data) VALUES (1, ?, ?, ?, ?)")
        try st.bind(
            .u(snapshot.metadata.index), .u(snapshot.metadata.term),
            .blob(ConfStateCodec.encode(snapshot.metadata.confState)), .blob(snapshot.data)
        ).run()
    }

    private func appendRows(_ entries: [Entry]) throws(StoreError) {
        guard let first = entries.first else { return }
        precondition(first.index <= last + 1, "append leaves a gap: \(first.index) after \(last)")
        // Entries at or before the snapshot are already covered by it.
        let fresh = entries.filter { $0.index > snapshotMetadata.index }
        guard let head = fresh.first else { return }
        if head.index <= last {
            try db.statement("DELETE FROM entries WHERE idx >= ?").bind(.u(head.index)).run()
        }
        let st = try db.statement("INSERT INTO entries(idx, term, kind, data) VALUES (?, ?, ?, ?)")
        for e in fresh {
            try st.bind(.u(e.index), .u(e.term), .integer(Int64(e.kind.rawValue)), .blob(e.data)).run()
            st.reset()
        }
        last = fresh[fresh.count - 1].index
    }

    private func writeHardState(_ hs: HardState) throws(StoreError) {
        try LogSchema.setMeta(db, "hs_term", hs.term)
        try LogSchema.setMeta(db, "hs_vote", hs.vote)
        try LogSchema.setMeta(db, "hs_commit", hs.commit)
        hardStateValue = hs
    }
}

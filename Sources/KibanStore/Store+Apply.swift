import KibanRaft
import Logging

/// Applying committed entries and snapshots, and compacting the log.
extension Store {
    func applyCommitted(_ entries: [Entry]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        let applied = try machine.apply(entries)
        for a in applied {
            noteLeaseEffects(of: a)
            if !a.events.isEmpty { publish(a.events) }
            if a.client == client { proposals.resume(a.sequence, returning: a.result) }
        }
        releaseAppliedReads()
    }

    func installSnapshot(_ snapshot: Snapshot) throws(StoreError) {
        try machine.install(snapshot.data, at: snapshot.metadata.index)
        logger.info("installed snapshot", metadata: ["kiban.store.index": "\(snapshot.metadata.index)"])
        // Watchers cannot be told what changed inside the snapshot: they must re-list.
        let error = StoreError(.compacted, "this member installed a snapshot at revision \(machine.revision); re-list and watch again")
        failWatchers(error)
        resetLeaseClocks()
        releaseAppliedReads()
    }

    /// Takes a snapshot of state.db and drops the log it covers once enough entries piled up.
    func compactIfNeeded() throws(StoreError) {
        let applied = machine.appliedIndex
        guard applied >= node.firstIndex + options.snapshotEntries else { return }
        let data = try machine.snapshotData()
        try log.createSnapshot(index: applied, confState: node.confState(at: applied), data: data)
        node.compacted(upTo: applied)
        logger.debug(
            "compacted the log",
            metadata: [
                "kiban.store.index": "\(applied)",
                "kiban.store.snapshotBytes": "\(data.count)",
            ])
    }
}

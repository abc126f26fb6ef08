import CoreMetrics
import KibanStore
import Logging

/// One decided lease change waiting for its batch.
struct PendingCommit: Sendable {
    var change: LeaseChange
    /// The address's mod revision the decision was made from (0: no key).
    var revision: Int64
    /// The request, for the drop log (xid, MAC).
    var message: DHCPMessage
    /// Called once with true when the change is in the store, false when it is not.
    var done: @Sendable (Bool) -> Void
}

/// Changes waiting to be committed, and how many batches are being committed now.
struct CommitQueue {
    var waiting: [PendingCommit] = []
    var batchesInFlight = 0
}

extension DHCPServer {
    /// Commits a lease change and returns true when it is in the store (see ``enqueue(_:)``).
    func commit(_ change: LeaseChange, revision: Int64, _ m: DHCPMessage) async -> Bool {
        await withCheckedContinuation { c in
            enqueue(PendingCommit(change: change, revision: revision, message: m, done: { c.resume(returning: $0) }))
        }
    }

    /// Queues a change for the next store transaction. Changes decided while a batch is being
    /// committed wait and go together in the next one (group commit): one Raft entry, one
    /// SQLite transaction and one fsync for many leases, instead of one each. At most
    /// ``DHCPServerConfiguration/commitBatchesInFlightMax`` batches are in flight.
    func enqueue(_ commit: PendingCommit) {
        let inFlightMax = configuration.commitBatchesInFlightMax
        let start = commitQueue.withLock { q in
            q.waiting.append(commit)
            guard q.batchesInFlight < inFlightMax else { return false }
            q.batchesInFlight += 1
            return true
        }
        if start { Task { await drain() } }
    }

    /// Commits batches until the queue is empty.
    private func drain() async {
        let batchMax = configuration.commitBatchMax
        while true {
            let batch: [PendingCommit] = commitQueue.withLock { q in
                let n = min(q.waiting.count, batchMax)
                guard n > 0 else {
                    q.batchesInFlight -= 1
                    return []
                }
                defer { q.waiting.removeFirst(n) }
                return Array(q.waiting[..<n])
            }
            if batch.isEmpty { return }
            await commitBatch(batch)
        }
    }

    /// One transaction for the whole batch: every address's key must still have the mod
    /// revision its decision was made from, so two servers deciding from the same state cannot
    /// both win. When a compare fails, the failure branch reads the keys, the changes whose key
    /// moved lose (`lost_race`) and the rest are committed again, once.
    private func commitBatch(_ batch: [PendingCommit]) async {
        var remaining = batch
        for _ in 0..<2 where !remaining.isEmpty {
            let keys = remaining.map { LeaseRecord.key($0.change.address) }
            let txn = Txn(
                compares: zip(keys, remaining).map { Compare($0, .equal, .modRevision($1.revision)) },
                success: zip(keys, remaining).map { key, item in
                    switch item.change {
                    case .put(let lease, _): .put(key: key, value: LeaseRecord.encode(lease), lease: 0)
                    case .remove: .delete(.key(key))
                    }
                },
                failure: keys.map { .range(.key($0), limit: 1) })
            let result: TxnResult
            count { $0.transactions += 1 }
            let start = ContinuousClock.now
            do {
                result = try await store.txn(txn)
                commitTimer.recordInterval(ContinuousClock.now - start)
            } catch {
                finish(remaining, committedAt: nil, .storeError, "\(error)")
                return
            }
            if result.succeeded {
                finish(remaining, committedAt: result.revision, nil, "")
                return
            }
            var unchanged: [PendingCommit] = []
            var moved: [PendingCommit] = []
            var current: [(address: UInt32, kv: KeyValue?)] = []
            for (item, read) in zip(remaining, result.results) {
                guard case .range(let kvs, _) = read else {
                    moved.append(item)
                    continue
                }
                if (kvs.first?.modRevision ?? 0) == item.revision {
                    unchanged.append(item)
                } else {
                    moved.append(item)
                    current.append((item.change.address, kvs.first))
                }
            }
            // What the failure branch read is the store's state of those addresses at
            // `result.revision`: the view takes it, so a view that missed an event (a delete
            // during a relisting) does not lose every later race for the address. Taken before
            // the losers are told, so that their clients' next requests decide from it; settling
            // then keeps it (a newer revision than the commit started from).
            view.withLock { v in
                for (address, kv) in current {
                    if let kv { apply(v: &v, kv: kv, deleted: false) } else { v.apply(address: address, lease: nil, revision: result.revision) }
                }
            }
            finish(moved, committedAt: nil, .lostRace, "another server changed the address first")
            remaining = unchanged
        }
        finish(remaining, committedAt: nil, .lostRace, "the address changed twice while committing")
    }

    /// Settles the view for `items` and tells each waiter; counts a drop for each that failed.
    private func finish(
        _ items: [PendingCommit], committedAt revision: Int64?, _ reason: DHCPCounters.DropReason?,
        _ detail: String
    ) {
        guard !items.isEmpty else { return }
        let waiters = view.withLock { v in items.flatMap { v.settle($0.change.address, committedAt: revision) } }
        if revision != nil {
            count { $0.committed += items.count }
        } else if let reason {
            for item in items { drop(reason, item.message, detail) }
        }
        for item in items { item.done(revision != nil) }
        for waiter in waiters { waiter(revision != nil) }
    }
}

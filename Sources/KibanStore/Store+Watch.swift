/// A registered watch.
struct Watcher {
    var range: KeyRange
    /// Events before this revision are not delivered (a watch may start in the future).
    var from: Int64
    var continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
}

/// Watches: history from a revision, then live events as entries apply.
extension Store {
    /// Events for keys in `range` from `revision` on (0: only future changes), in revision
    /// order. The stream ends with ``StoreError`` `compacted` when `revision` was compacted or
    /// this member installed a snapshot: re-list with ``range(_:limit:revision:consistency:)``
    /// and watch from the revision it returns + 1.
    /// - Throws: ``StoreError`` `compacted` right away for a compacted revision.
    public func watch(_ range: KeyRange, from revision: Int64 = 0) throws(StoreError) -> AsyncThrowingStream<WatchEvent, any Error> {
        try checkRunning()
        if revision > 0 && revision < machine.compactRevision {
            throw StoreError(.compacted, "revision \(revision) is compacted (history starts at \(machine.compactRevision)); re-list and watch from the revision the list returns + 1")
        }
        let past = revision > 0 ? try machine.events(in: range, from: revision) : []
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        for e in past { continuation.yield(e) }
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = Watcher(range: range, from: revision, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeWatcher(id) }
        }
        return stream
    }

    private func removeWatcher(_ id: UInt64) { watchers.removeValue(forKey: id) }

    func publish(_ events: [WatchEvent]) {
        for w in watchers.values {
            for e in events where e.revision >= w.from && w.range.contains(e.kv.key) { w.continuation.yield(e) }
        }
    }
}

/// One step of a watch: a page of history, or the last page and the live watcher it joins.
enum WatchStep: Sendable {
    /// More history follows after `position`.
    case page([WatchEvent], WatchPosition)
    /// The history is read up to the current revision; live events come from watcher `id`.
    case live([WatchEvent], id: UInt64)
}

/// Watches: history from a revision in pages, then live events as entries apply, through a
/// bounded buffer per watch (``Watcher``).
extension Store {
    /// Events for keys in `range` from `revision` on (0: only future changes), in revision
    /// order. The history is read in pages of ``StoreOptions/watchHistoryPageEvents`` as the
    /// caller consumes it, never all at once; live events wait in a buffer bounded by
    /// ``StoreOptions/watchEventsBufferedMax`` and ``StoreOptions/watchBytesBufferedMax``.
    ///
    /// The stream ends with ``StoreError`` `compacted` when `revision` was compacted or this
    /// member installed a snapshot, and with `watchCancelled` when the caller fell behind the
    /// buffer's bound: re-list with ``range(_:limit:revision:consistency:)`` and watch from the
    /// revision it returns + 1.
    /// - Throws: ``StoreError`` `compacted` right away for a compacted revision.
    public func watch(_ range: KeyRange, from revision: Int64 = 0) throws(StoreError) -> AsyncThrowingStream<WatchEvent, any Error> {
        try checkRunning()
        if revision > 0 && revision < machine.compactRevision {
            throw StoreError(
                .compacted,
                "revision \(revision) is compacted (history starts at \(machine.compactRevision)); re-list and watch from the revision the list returns + 1")
        }
        let feed: WatchFeed
        if revision > 0 {
            feed = WatchFeed(store: self, range: range, position: .before(revision))
        } else {
            feed = WatchFeed(store: self, range: range, liveID: register(range, from: 0))
        }
        return AsyncThrowingStream(unfolding: { try await feed.next() })
    }

    /// The next page of history after `position`; when it is the last, the watcher that
    /// continues it is registered in the same turn of the actor, so no change falls between.
    func watchStep(_ range: KeyRange, after position: WatchPosition) throws(StoreError) -> WatchStep {
        try checkRunning()
        if position.revision + 1 < machine.compactRevision {
            throw StoreError(.compacted, "the watch's history was compacted past revision \(position.revision + 1) while it was read; re-list and watch again")
        }
        let limit = max(1, options.watchHistoryPageEvents)
        let (events, last) = try machine.events(in: range, after: position, limit: limit)
        if events.count == limit, let last { return .page(events, last) }
        return .live(events, id: register(range, from: position.revision + 1))
    }

    private func register(_ range: KeyRange, from: Int64) -> UInt64 {
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = Watcher(range: range, from: from)
        return id
    }

    /// The next live event of watcher `id`: a buffered one, or the next to apply.
    func nextLiveEvent(_ id: UInt64) async throws -> WatchEvent? {
        guard var w = watchers[id] else { throw StoreError(.stopped, "the watch ended") }
        if let e = w.pop() {
            watchers[id] = w
            return e
        }
        if let failure = w.failure {
            watchers[id] = nil
            throw failure
        }
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<WatchEvent?, any Error>) in
                watchers[id]?.waiter = c
            }
        } onCancel: {
            Task { await self.cancelWatcher(id) }
        }
    }

    /// Removes a watcher whose consumer went away or was cancelled.
    func cancelWatcher(_ id: UInt64) {
        watchers.removeValue(forKey: id)?.waiter?.resume(throwing: CancellationError())
    }

    /// Ends every watch with `error` (after what each has buffered).
    func failWatchers(_ error: StoreError) {
        for id in Array(watchers.keys) { watchers[id]?.fail(error) }
    }

    func publish(_ events: [WatchEvent]) {
        let eventsMax = options.watchEventsBufferedMax
        let bytesMax = options.watchBytesBufferedMax
        for id in Array(watchers.keys) {
            guard var w = watchers[id] else { continue }
            for e in events { w.deliver(e, eventsMax: eventsMax, bytesMax: bytesMax) }
            watchers[id] = w
        }
    }

    /// Buffered events and bytes over every live watch (a gauge for tests and status).
    public var watchBuffered: (watches: Int, events: Int, bytes: Int) {
        watchers.values.reduce((0, 0, 0)) { ($0.0 + 1, $0.1 + $1.bufferedCount, $0.2 + $1.bufferedBytes) }
    }
}

/// Follows a key range the way an etcd informer does: lists it, watches it from the listing's
/// revision + 1, and lists again whenever the watch ends — its history was compacted, this member
/// installed a snapshot, or the reader fell behind the watch's buffer bound (``StoreError``
/// `compacted`, `watchCancelled`). A listing that fails (no quorum, stopping) is retried after a
/// delay that doubles up to ``retryDelayMax``, as is a watch that ends before delivering anything,
/// so a store that cannot answer is never polled in a tight loop.
///
/// ```swift
/// let follower = StoreFollower(store: store, range: .prefix(Array("dhcp/leases/".utf8)))
/// await follower.run(listed: { page in view.replace(page.kvs) },
///                    changed: { event in view.apply(event) })   // until the task is cancelled
/// ```
public struct StoreFollower: Sendable {
    /// What to do after an event.
    public enum Next: Sendable, Hashable {
        /// Keep watching.
        case follow
        /// List again (the caller wants a fresh read, such as a view built from several ranges).
        case relist
    }

    /// The store followed.
    public let store: Store
    /// The keys watched (and listed by ``run(listed:changed:)``).
    public let range: KeyRange
    /// How ``run(listed:changed:)`` lists: serializable by default, so a member without a
    /// quorum keeps following its own applied state.
    public var consistency: ReadConsistency = .serializable
    /// The first retry delay after a failed listing or an empty watch.
    public var retryDelay: Duration = .milliseconds(200)
    /// The longest retry delay.
    public var retryDelayMax: Duration = .seconds(5)
    /// When set, lists again after this long without an event asking for it.
    public var relistInterval: Duration?
    /// Told why a listing failed or a watch ended (for a debug log line).
    public var ended: @Sendable (any Error) -> Void = { _ in }

    /// A follower of `range` in `store`.
    public init(store: Store, range: KeyRange) {
        self.store = store
        self.range = range
    }

    /// Until the task is cancelled: `listed` with each listing of the range, then `changed` with
    /// each event after it.
    public func run(
        listed: @escaping @Sendable (RangeResult) async -> Void,
        changed: @escaping @Sendable (WatchEvent) async -> Void
    ) async {
        await run(
            list: { [store, range, consistency] in
                let page = try await store.range(range, consistency: consistency)
                await listed(page)
                return page.revision
            },
            event: { event in
                await changed(event)
                return .follow
            })
    }

    /// Until the task is cancelled: `list` reads what the caller needs and returns the revision
    /// the watch starts after; `event` is called with each event of the range after it and says
    /// whether to keep watching or list again. A caller that has just listed passes the
    /// listing's revision as `listed`, and the first watch starts after it.
    public func run(
        listed: Int64? = nil, list: @escaping @Sendable () async throws -> Int64,
        event: @escaping @Sendable (WatchEvent) async -> Next
    ) async {
        var failures = 0
        var first = listed
        while !Task.isCancelled {
            let revision: Int64
            do {
                if let listed = first {
                    revision = listed
                    first = nil
                } else {
                    revision = try await list()
                }
            } catch {
                ended(error)
                failures += 1
                await pause(failures)
                continue
            }
            switch await follow(from: revision, event) {
            case .relist, .ended(delivered: true):
                failures = 0
            case .ended(delivered: false):
                failures += 1
                await pause(failures)
            }
        }
    }

    /// How one watch ended.
    private enum Outcome: Sendable {
        case relist
        case ended(delivered: Bool)
    }

    /// Watches from `revision` + 1 until the watch ends, an event asks for a listing, or
    /// ``relistInterval`` passes.
    private func follow(from revision: Int64, _ event: @escaping @Sendable (WatchEvent) async -> Next) async -> Outcome {
        guard let interval = relistInterval else { return await watch(from: revision, event) }
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await self.watch(from: revision, event) }
            group.addTask {
                try? await Task.sleep(for: interval)
                return .relist
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .relist
        }
    }

    private func watch(from revision: Int64, _ event: @Sendable (WatchEvent) async -> Next) async -> Outcome {
        var delivered = false
        do {
            for try await e in try await store.watch(range, from: revision + 1) {
                delivered = true
                if await event(e) == .relist { return .relist }
            }
        } catch is CancellationError {
            return .ended(delivered: delivered)
        } catch {
            ended(error)
        }
        return .ended(delivered: delivered)
    }

    /// Waits the retry delay for the `failures`th failure in a row.
    private func pause(_ failures: Int) async {
        var delay = retryDelay
        for _ in 1..<min(max(failures, 1), 16) { delay = min(delay * 2, retryDelayMax) }
        try? await Task.sleep(for: delay)
    }
}

/// Where a watch is in the history: the last change it has been given, as the history's
/// primary key `(rev, sub)` orders changes.
struct WatchPosition: Sendable, Hashable {
    var revision: Int64
    var sub: Int64

    /// Before every change at `revision` (and after every change before it).
    static func before(_ revision: Int64) -> WatchPosition {
        WatchPosition(revision: revision - 1, sub: Int64.max)
    }
}

/// A watch that caught up with the history and now receives live events: a bounded buffer
/// between the store, which applies entries at its own pace, and a consumer that may be slow.
///
/// **Bounded:** past ``StoreOptions/watchEventsBufferedMax`` events or
/// ``StoreOptions/watchBytesBufferedMax`` bytes, the buffer is dropped and the watch ends with
/// `watchCancelled`, as etcd cancels a slow watcher: the consumer re-lists and watches again.
struct Watcher {
    var range: KeyRange
    /// Events before this revision are not delivered (a watch may start in the future).
    var from: Int64
    /// Events waiting for the consumer; `head` is the next one (popped without copying).
    private var buffered: [WatchEvent] = []
    private var head = 0
    private(set) var bufferedBytes = 0
    /// The consumer waiting for the next event (only while the buffer is empty).
    var waiter: CheckedContinuation<WatchEvent?, any Error>?
    /// How the watch ends once the buffer is drained.
    var failure: StoreError?

    init(range: KeyRange, from: Int64) {
        self.range = range
        self.from = from
    }

    /// Events in the buffer.
    var bufferedCount: Int { buffered.count - head }

    /// The bytes an event is counted as: its key and value and a fixed overhead.
    static func bytes(of e: WatchEvent) -> Int { e.kv.key.count + e.kv.value.count + 64 }

    /// Hands `e` to the waiting consumer or buffers it; past a bound, cancels the watch.
    mutating func deliver(_ e: WatchEvent, eventsMax: Int, bytesMax: Int) {
        guard failure == nil, e.revision >= from, range.contains(e.kv.key) else { return }
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: e)
            return
        }
        buffered.append(e)
        bufferedBytes += Self.bytes(of: e)
        if bufferedCount > eventsMax || bufferedBytes > bytesMax {
            let behind = bufferedCount
            buffered = []
            head = 0
            bufferedBytes = 0
            failure = StoreError(.watchCancelled, "watch cancelled: the client fell behind by \(behind) events; re-list and watch again")
        }
    }

    /// The next buffered event, if any.
    mutating func pop() -> WatchEvent? {
        guard head < buffered.count else { return nil }
        let e = buffered[head]
        head += 1
        bufferedBytes -= Self.bytes(of: e)
        if head == buffered.count {
            buffered.removeAll(keepingCapacity: buffered.count <= 1024)
            head = 0
        } else if head >= 1024 && head * 2 >= buffered.count {
            buffered.removeFirst(head)
            head = 0
        }
        return e
    }

    /// Ends the watch with `error` after what is buffered (a waiting consumer gets it now).
    mutating func fail(_ error: StoreError) {
        guard failure == nil else { return }
        failure = error
        if let waiter {
            self.waiter = nil
            waiter.resume(throwing: error)
        }
    }
}

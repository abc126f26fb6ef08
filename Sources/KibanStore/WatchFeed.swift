/// The consumer's side of one watch: pulls history pages from the store as they are read,
/// then live events from the watcher's bounded buffer. `AsyncThrowingStream(unfolding:)`
/// calls ``next()`` once per element, from one consumer, so nothing is read ahead.
actor WatchFeed {
    private let store: Store
    private let range: KeyRange
    private var position: WatchPosition
    private var page: [WatchEvent] = []
    private var index = 0
    private var liveID: UInt64?

    /// A feed that starts with the history after `position`.
    init(store: Store, range: KeyRange, position: WatchPosition) {
        self.store = store
        self.range = range
        self.position = position
    }

    /// A feed already registered as live watcher `liveID`.
    init(store: Store, range: KeyRange, liveID: UInt64) {
        self.store = store
        self.range = range
        self.position = .before(0)
        self.liveID = liveID
    }

    deinit {
        // The consumer dropped the stream: stop buffering for it.
        if let liveID { Task { [store] in await store.cancelWatcher(liveID) } }
    }

    /// The next event, in revision order; throws how the watch ended.
    func next() async throws -> WatchEvent? {
        while true {
            if index < page.count {
                defer { index += 1 }
                return page[index]
            }
            if let liveID { return try await store.nextLiveEvent(liveID) }
            switch try await store.watchStep(range, after: position) {
            case .page(let events, let last):
                page = events
                position = last
            case .live(let events, let id):
                page = events
                liveID = id
            }
            index = 0
        }
    }
}

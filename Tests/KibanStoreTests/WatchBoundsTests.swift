import KibanStore
import Testing

@Suite("Watch bounds")
struct WatchBoundsTests {
    @Test("A watcher that never reads holds at most its bound and is cancelled with a re-list error")
    func slowWatcherIsCancelled() async throws {
        let c = try await TestCluster(size: 1) { $0.watchEventsBufferedMax = 50 }
        try await c.leader()
        let s = c[1]
        let stream = try await s.watch(.prefix(b("w/")))
        var mostBuffered = 0
        for i in 0..<200 {
            try await s.put(b("w/\(i % 7)"), b("\(i)"))
            mostBuffered = max(mostBuffered, await s.watchBuffered.events)
        }
        #expect(mostBuffered <= 50)
        #expect(await s.watchBuffered.events == 0)
        // The consumer wakes up: the watch ended, and it says what to do.
        var delivered = 0
        var ended: StoreError?
        do {
            for try await _ in stream { delivered += 1 }
        } catch let e as StoreError {
            ended = e
        }
        #expect(delivered == 0)
        #expect(ended?.code == .watchCancelled)
        #expect(ended?.message == "watch cancelled: the client fell behind by 51 events; re-list and watch again")
        await c.stopAll()
    }

    @Test("A watcher over a byte bound is cancelled before it holds more than the bound")
    func byteBound() async throws {
        let c = try await TestCluster(size: 1) { $0.watchBytesBufferedMax = 8 << 10 }
        try await c.leader()
        let s = c[1]
        let stream = try await s.watch(.prefix(b("big/")))
        let value = [UInt8](repeating: 0x61, count: 1000)
        var mostBytes = 0
        for i in 0..<40 {
            try await s.put(b("big/\(i)"), value)
            mostBytes = max(mostBytes, await s.watchBuffered.bytes)
        }
        #expect(mostBytes <= 8 << 10)
        await #expect(throws: StoreError.self) { for try await _ in stream {} }
        await c.stopAll()
    }

    @Test("A watcher that reads gets a long history in pages, every event in order, then live ones")
    func longHistoryInPages() async throws {
        let c = try await TestCluster(size: 1) {
            $0.watchHistoryPageEvents = 7
            $0.watchEventsBufferedMax = 20
        }
        try await c.leader()
        let s = c[1]
        var expected: [(Int64, [UInt8])] = []
        for i in 0..<150 {
            if i % 10 == 0 {
                // Three changes in one revision: pages end inside transactions too.
                let ops: [KibanStore.Operation] = (0..<3).map { .put(key: b("h/t\(i)/\($0)"), value: b("\(i)"), lease: 0) }
                let r = try await s.txn(Txn(compares: [], success: ops))
                expected += (0..<3).map { (r.revision, b("h/t\(i)/\($0)")) }
            } else {
                let rev = try await s.put(b("h/\(i)"), b("\(i)"))
                expected.append((rev, b("h/\(i)")))
            }
            try await s.put(b("other/\(i)"), b("x"))
        }
        let stream = try await s.watch(.prefix(b("h/")), from: 1)
        var seen: [(Int64, [UInt8])] = []
        let historyCount = expected.count
        for try await e in stream {
            seen.append((e.revision, e.kv.key))
            if seen.count == historyCount {
                // Caught up: a live change follows the history.
                expected.append((try await s.put(b("h/live"), b("1")), b("h/live")))
            } else if seen.count == expected.count {
                break
            }
        }
        #expect(seen.map(\.0) == expected.map(\.0))
        #expect(seen.map(\.1) == expected.map(\.1))
        await c.stopAll()
    }
}

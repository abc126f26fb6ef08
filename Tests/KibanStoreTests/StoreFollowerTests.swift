import Foundation
import KibanStore
import Synchronization
import Testing

/// What a follower saw: the keys it holds (from listings and events), how many listings it made,
/// and why its watches ended.
private final class FollowedView: Sendable {
    struct State {
        var values: [String: String] = [:]
        var listings = 0
        var endings: [StoreError.Code] = []
    }

    let state = Mutex(State())

    func listed(_ page: RangeResult) {
        state.withLock { s in
            s.values = Dictionary(uniqueKeysWithValues: page.kvs.map { (Self.text($0.key), Self.text($0.value)) })
            s.listings += 1
        }
    }

    func changed(_ event: WatchEvent) {
        state.withLock { s in
            if event.kind == .delete { s.values[Self.text(event.kv.key)] = nil } else { s.values[Self.text(event.kv.key)] = Self.text(event.kv.value) }
        }
    }

    func ended(_ error: any Error) {
        state.withLock { $0.endings.append((error as? StoreError)?.code ?? .stopped) }
    }

    var snapshot: State { state.withLock { $0 } }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

@Suite("Store follower: list, watch from the listing's revision, list again")
struct StoreFollowerTests {
    @Test("Listed keys, then every put and delete after the listing, in the view")
    func listThenWatch() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let s = c[1]
        try await s.put(b("f/a"), b("1"))
        let view = FollowedView()
        let follower = StoreFollower(store: s, range: .prefix(b("f/")))
        let task = Task { await follower.run(listed: view.listed, changed: view.changed) }
        try await until(timeout: .seconds(10), "the first listing") { view.snapshot.listings == 1 }
        try await s.put(b("f/b"), b("2"))
        try await s.put(b("other"), b("x"))
        _ = try await s.txn(Txn(success: [.delete(.key(b("f/a")))]))
        try await until(timeout: .seconds(10), "the changes arrive") { view.snapshot.values == ["f/b": "2"] }
        #expect(view.snapshot.listings == 1)
        task.cancel()
        await task.value
        await c.stopAll()
    }

    @Test("A compaction past the listing's revision ends the watch; the follower lists again and misses nothing")
    func compactionForcesRelist() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let s = c[1]
        try await s.put(b("f/a"), b("1"))
        let view = FollowedView()
        let first = Mutex(true)
        var follower = StoreFollower(store: s, range: .prefix(b("f/")))
        follower.retryDelay = .milliseconds(10)
        follower.ended = view.ended
        // The first listing races two writes and a compaction past them: its watch would start
        // in compacted history.
        let task = Task { [follower] in
            await follower.run(
                list: {
                    let page = try await s.range(.prefix(b("f/")), consistency: .serializable)
                    view.listed(page)
                    if first.withLock({
                        let was = $0
                        $0 = false
                        return was
                    }) {
                        try await s.put(b("f/b"), b("2"))
                        let revision = try await s.put(b("f/c"), b("3"))
                        try await s.compact(revision)
                    }
                    return page.revision
                },
                event: { event in
                    view.changed(event)
                    return .follow
                })
        }
        try await until(timeout: .seconds(10), "the view catches up") { view.snapshot.values == ["f/a": "1", "f/b": "2", "f/c": "3"] }
        #expect(view.snapshot.listings == 2)
        #expect(view.snapshot.endings == [.compacted])
        task.cancel()
        await task.value
        await c.stopAll()
    }

    @Test("A reader slower than the watch's buffer bound is cancelled by the store, lists again, and ends with every key")
    func slowReaderRelists() async throws {
        let c = try await TestCluster(size: 1) { $0.watchEventsBufferedMax = 20 }
        try await c.leader()
        let s = c[1]
        let view = FollowedView()
        let release = Mutex(false)
        var follower = StoreFollower(store: s, range: .prefix(b("f/")))
        follower.retryDelay = .milliseconds(10)
        follower.ended = view.ended
        let task = Task { [follower] in
            await follower.run(
                listed: view.listed,
                changed: { event in
                    // Stalls on the first event until the writer is done: the buffer overflows.
                    for _ in 0..<2_000 where !release.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
                    view.changed(event)
                })
        }
        try await until(timeout: .seconds(10), "the first listing") { view.snapshot.listings == 1 }
        for i in 0..<100 { try await s.put(b("f/\(i % 30)"), b("\(i)")) }
        release.withLock { $0 = true }
        let expected = Dictionary(uniqueKeysWithValues: (70..<100).map { ("f/\($0 % 30)", "\($0)") })
        try await until(timeout: .seconds(20), "the view holds every key") { view.snapshot.values == expected }
        #expect(view.snapshot.endings.contains(.watchCancelled))
        #expect(view.snapshot.listings >= 2)
        task.cancel()
        await task.value
        await c.stopAll()
    }

    @Test("A store that cannot answer is retried with a growing delay, not in a tight loop")
    func backOff() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let s = c[1]
        await s.stop()
        let view = FollowedView()
        var follower = StoreFollower(store: s, range: .prefix(b("f/")))
        follower.retryDelay = .milliseconds(20)
        follower.retryDelayMax = .milliseconds(80)
        follower.ended = view.ended
        let task = Task { [follower] in await follower.run(listed: view.listed, changed: view.changed) }
        try await Task.sleep(for: .milliseconds(500))
        task.cancel()
        await task.value
        // 20 + 40 + 80 + 80… ms: at most 8 attempts in 500 ms (a tight loop would make thousands).
        let attempts = view.snapshot.endings.count
        #expect(attempts >= 3 && attempts <= 9)
        #expect(view.snapshot.endings.allSatisfy { $0 == .stopped })
        await c.stopAll()
    }
}

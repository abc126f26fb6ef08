import KibanStore
import Testing

struct Counter: Codable, Sendable, Equatable {
    var count: Int
    var owner: String
}

@Suite("Typed records")
struct RecordTests {
    @Test("Concurrent compare-on-revision updates from every member lose no increment")
    func concurrentUpdates() async throws {
        let c = try await TestCluster(size: 3)
        try await c.leader()
        try await c[1].putRecord(Counter(count: 0, owner: "test"), at: b("counter"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in c.ids {
                let store = c[id]
                group.addTask {
                    for _ in 0..<10 {
                        try await store.updateRecord(Counter.self, at: b("counter"), attemptsMax: 100) { old in
                            guard var v = old else { return nil }
                            v.count += 1
                            return v
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try #require(try await c[2].record(Counter.self, at: b("counter")))
        #expect(final.value == Counter(count: 30, owner: "test"))
        await c.stopAll()
    }

    @Test("An update of a missing key creates it, and returning nil deletes it")
    func createAndDelete() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        try await c[1].updateRecord(Counter.self, at: b("new")) { old in
            #expect(old == nil)
            return Counter(count: 1, owner: "me")
        }
        #expect(try await c[1].record(Counter.self, at: b("new"))?.value.count == 1)
        try await c[1].updateRecord(Counter.self, at: b("new")) { _ in nil }
        #expect(try await c[1].record(Counter.self, at: b("new")) == nil)
        try await c[1].put(b("junk"), b("not json"))
        await #expect(throws: StoreError.self) { try await c[1].record(Counter.self, at: b("junk")) }
        await c.stopAll()
    }
}

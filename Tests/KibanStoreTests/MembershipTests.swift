import KibanRaft
import KibanStore
import Testing

@Suite("Membership")
struct MembershipTests {
    @Test(
        "A new empty member joins as a learner, catches up (by a snapshot of data or the bootstrap one), is promoted and serves writes",
        arguments: [UInt64(20), 100_000])
    func joinByLearner(snapshotEntries: UInt64) async throws {
        let c = try await TestCluster(size: 3, snapshotEntries: snapshotEntries)
        let leader = try await c.leader()
        for i in 0..<60 { try await c[leader].put(b("j/\(i)"), b("\(i)")) }
        try await c.start(4)
        try await c[leader].addLearner(4)
        let expected = try await c[leader].range(.prefix(b("j/"))).kvs
        try await until("the learner caught up") {
            try await c[4].range(.prefix(b("j/")), consistency: .serializable).kvs == expected
        }
        #expect(await c[4].status.firstLogIndex > (snapshotEntries < 60 ? 20 : 1))
        try await c[leader].promote(4)
        #expect(await c[leader].status.conf.voters == [1, 2, 3, 4])
        try await c[4].put(b("from-4"), b("x"))
        #expect(try await c[1].get(b("from-4"))?.value == b("x"))
        await c.crash(4)
        await c.stopAll()
    }

    @Test("A removed member no longer counts: the rest keep committing without it")
    func remove() async throws {
        let c = try await TestCluster(size: 3)
        let leader = try await c.leader()
        let victim = c.followers(of: leader)[0]
        try await c[leader].removeMember(victim)
        #expect(await c[leader].status.conf.voters.count == 2)
        await c.crash(victim)
        try await c[leader].put(b("after-removal"), b("ok"))
        let other = c.followers(of: leader)[0]
        #expect(try await c[other].get(b("after-removal"))?.value == b("ok"))
        await #expect(throws: StoreError.self) { try await c[other].addLearner(9) }
        await c.stopAll()
    }
}

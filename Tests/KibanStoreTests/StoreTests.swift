import KibanRaft
import KibanStore
import Testing

@Suite("Store")
struct StoreTests {
    @Test("A single member stores, reads, compares and deletes keys")
    func singleMember() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let s = c[1]
        #expect(try await s.put(b("a"), b("1")) == 1)
        #expect(try await s.put(b("a"), b("2")) == 2)
        #expect(try await s.get(b("a"))?.version == 2)
        let swapped = try await s.txn(
            Txn(
                compares: [Compare(b("a"), .equal, .value(b("2")))],
                success: [.put(key: b("a"), value: b("3"), lease: 0)]))
        #expect(swapped.succeeded && swapped.revision == 3)
        #expect(try await s.delete(.key(b("a"))).count == 1)
        #expect(try await s.get(b("a"), consistency: .serializable) == nil)
        #expect(try await s.range(.key(b("a")), revision: 2).kvs.first?.value == b("2"))
        await c.stopAll()
    }

    @Test("A write on a follower is forwarded to the leader and read linearizably on another member")
    func followerWrite() async throws {
        let c = try await TestCluster(size: 3)
        let leader = try await c.leader()
        let followers = c.followers(of: leader)
        try await c[followers[0]].put(b("k"), b("from-follower"))
        #expect(try await c[followers[1]].get(b("k"))?.value == b("from-follower"))
        #expect(try await c[leader].get(b("k"))?.value == b("from-follower"))
        await c.stopAll()
    }

    @Test("Proposals duplicated by the network apply once")
    func duplicatedProposals() async throws {
        let c = try await TestCluster(size: 3)
        let leader = try await c.leader()
        let follower = c.followers(of: leader)[0]
        let before = await c[leader].status.appliedIndex
        c.network.duplicate(true)
        for i in 1...10 { try await c[follower].put(b("dup"), b("\(i)")) }
        let kv = try #require(try await c[leader].get(b("dup")))
        #expect(kv.version == 10 && kv.modRevision == 10 && kv.value == b("10"))
        // Each forwarded proposal reached the log twice: the second copy was skipped.
        #expect(await c[leader].status.appliedIndex >= before + 20)
        c.network.duplicate(false)
        await c.stopAll()
    }

    @Test("A watch replays history from a revision, then delivers live changes in order")
    func watch() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        let s = c[1]
        try await s.put(b("w/1"), b("a"))
        try await s.put(b("other"), b("x"))
        let stream = try await s.watch(.prefix(b("w/")), from: 1)
        try await s.put(b("w/2"), b("b"))
        try await s.delete(.key(b("w/1")))
        var seen: [(WatchEvent.Kind, Int64)] = []
        for try await e in stream {
            seen.append((e.kind, e.revision))
            if seen.count == 3 { break }
        }
        #expect(seen.map(\.0) == [.put, .put, .delete])
        #expect(seen.map(\.1) == [1, 3, 4])
        // A watch from a future revision starts there.
        let later = try await s.watch(.prefix(b("w/")), from: 7)
        try await s.put(b("w/3"), b("c"))  // revision 5: not delivered
        try await s.put(b("w/4"), b("d"))  // 6: not delivered
        try await s.put(b("w/5"), b("e"))  // 7
        for try await e in later {
            #expect(e.revision == 7)
            break
        }
        try await s.compact(3)
        await #expect(throws: StoreError.self) { try await s.watch(.prefix(b("w/")), from: 2) }
        await c.stopAll()
    }

    @Test("Keys attached to a lease vanish when it expires, on every member; keep-alive delays it")
    func leaseExpiry() async throws {
        let c = try await TestCluster(size: 3)
        let leader = try await c.leader()
        let follower = c.followers(of: leader)[0]
        let lease = try await c[follower].grantLease(ttlSeconds: 1)
        try await c[follower].put(b("ephemeral"), b("x"), lease: lease)
        #expect(try await c[follower].keepAlive(lease: lease) == 1)
        try await until("the lease expires everywhere") {
            for id in c.ids where try await c[id].get(b("ephemeral"), consistency: .serializable) != nil { return false }
            return true
        }
        await #expect(throws: StoreError.self) { try await c[leader].keepAlive(lease: lease) }
        await c.stopAll()
    }

    @Test("A restarted member has the same state, and keeps serving writes")
    func restart() async throws {
        let c = try await TestCluster(size: 3)
        let leader = try await c.leader()
        for i in 0..<20 { try await c[leader].put(b("r/\(i)"), b("\(i)")) }
        let victim = c.followers(of: leader)[0]
        await c.crash(victim)
        try await c[leader].put(b("after"), b("crash"))
        try await c.start(victim)
        #expect(try await c[victim].get(b("after"))?.value == b("crash"))
        #expect(try await c[victim].range(.prefix(b("r/"))).kvs.count == 20)
        await c.stopAll()
    }

    @Test("A power cut that lost raft.db's commit-only update (state.db applied ahead of it) loses no write")
    func appliedAheadOfCommit() async throws {
        let c = try await TestCluster(size: 1)
        try await c.leader()
        for i in 0..<20 { try await c[1].put(b("p/\(i)"), b("\(i)")) }
        let applied = try #require(await c.stores[1]?.status.appliedIndex)
        await c.crash(1)
        do {
            // Commit-only hard states are not fsynced; state.db's applied index may survive them.
            let log = try SQLiteLogStorage(path: c.dir.file("m1") + "/raft.db")
            let hs = log.hardState
            try log.setHardState(HardState(term: hs.term, vote: hs.vote, commit: applied - 10))
        }
        try await c.start(1)
        try await c.leader()
        #expect(try await c[1].range(.prefix(b("p/"))).kvs.count == 20)
        #expect(try await c[1].put(b("after"), b("cut")) == 21)
        #expect(try await c[1].get(b("p/19"))?.value == b("19"))
        await c.stopAll()
    }

    @Test("A member that missed more than the compaction window catches up by snapshot")
    func snapshotCatchUp() async throws {
        let c = try await TestCluster(size: 3, snapshotEntries: 20)
        let leader = try await c.leader()
        let victim = c.followers(of: leader)[0]
        await c.crash(victim)
        for i in 0..<100 { try await c[leader].put(b("s/\(i)"), b("\(i)")) }
        #expect(await c[leader].status.firstLogIndex > 20)
        try await c.start(victim)
        let expected = try await c[leader].range(.prefix(b(""))).kvs
        try await until("the restarted member caught up") {
            try await c[victim].range(.prefix(b("")), consistency: .serializable).kvs == expected
        }
        let status = await c[victim].status
        #expect(status.firstLogIndex > 20)
        // Its state survives another restart: snapshot + log suffix give the same result.
        await c.crash(victim)
        try await c.start(victim)
        #expect(try await c[victim].range(.prefix(b("")), consistency: .serializable).kvs == expected)
        await c.stopAll()
    }
}

@Suite("Store under failures")
struct StoreFailureTests {
    @Test("A lease still expires after its leader crashes: the new leader restarts its clock and revokes it")
    func leaseAcrossLeaderCrash() async throws {
        let c = try await TestCluster(size: 3)
        let leader = try await c.leader()
        let lease = try await c[leader].grantLease(ttlSeconds: 1)
        try await c[leader].put(b("owned"), b("x"), lease: lease)
        await c.crash(leader)
        let survivors = c.ids.filter { $0 != leader }
        try await until("the key vanishes on the survivors") {
            for id in survivors where try await c[id].get(b("owned"), consistency: .serializable) != nil { return false }
            return true
        }
        try await c.start(leader)
        try await until("the restarted member applies the revoke too") {
            try await c[leader].get(b("owned"), consistency: .serializable) == nil
        }
        await c.stopAll()
    }

    @Test("The leader compacts a history grown past twice the revisions to keep, on every member")
    func autoCompaction() async throws {
        let c = try await TestCluster(size: 3, historyRevisionsKept: 10)
        let leader = try await c.leader()
        for i in 0..<25 { try await c[leader].put(b("h/\(i % 3)"), b("\(i)")) }
        try await until("every member compacted") {
            for id in c.ids where await c[id].status.compactRevision < 10 { return false }
            return true
        }
        await #expect(throws: StoreError.self) { try await c[leader].watch(.prefix(b("h/")), from: 1) }
        #expect(try await c[leader].range(.prefix(b("h/"))).kvs.count == 3)
        await c.stopAll()
    }

    @Test("A watch on a member that installs a snapshot ends with 'compacted', telling the caller to re-list")
    func watchEndsOnSnapshot() async throws {
        let c = try await TestCluster(size: 3, snapshotEntries: 20)
        let leader = try await c.leader()
        let victim = c.followers(of: leader)[0]
        let stream = try await c[victim].watch(.prefix(b("w/")))
        c.network.isolate(victim)
        for i in 0..<60 { try await c[leader].put(b("w/\(i)"), b("\(i)")) }
        c.network.heal()
        var ended: StoreError?
        do {
            for try await _ in stream {}
        } catch let error as StoreError {
            ended = error
        }
        #expect(ended?.code == .compacted)
        await c.stopAll()
    }
}

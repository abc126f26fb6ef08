import KibanRaft
import KibanTestSupport
import Testing

@testable import KibanStore

/// Drives a StateMachine in a temp dir with entries built from commands.
final class MachineHarness {
    let dir: TemporaryDirectory
    var machine: StateMachine
    var index: UInt64 = 0
    var sequence: UInt64 = 0

    init() throws {
        dir = try TemporaryDirectory("kiban-store-test")
        machine = try StateMachine(path: dir.file("state.db"))
    }

    func entry(_ command: Command, client: UInt64 = 7, sequence: UInt64? = nil) -> Entry {
        index += 1
        let seq =
            sequence
            ?? {
                self.sequence += 1
                return self.sequence
            }()
        return Entry(
            term: 1, index: index,
            data: Proposal(
                client: client, sequence: seq, acknowledgedBelow: 0,
                command: command
            ).encoded())
    }

    @discardableResult
    func run(_ command: Command) throws -> CommandResult {
        let applied = try machine.apply([entry(command)])
        return try #require(applied.first).result
    }

    @discardableResult
    func put(_ key: String, _ value: String, lease: Int64 = 0) throws -> CommandResult {
        try run(.txn(Txn(success: [.put(key: b(key), value: b(value), lease: lease)])))
    }

    func get(_ key: String) throws -> KeyValue? { try machine.current(b(key)) }
}

func b(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite("State machine")
struct StateMachineTests {
    @Test("Puts bump the revision and track create revision, mod revision and version")
    func revisions() throws {
        let h = try MachineHarness()
        try h.put("a", "1")
        try h.put("b", "1")
        try h.put("a", "2")
        let a = try #require(try h.get("a"))
        #expect(a.value == b("2"))
        #expect(a.createRevision == 1 && a.modRevision == 3 && a.version == 2)
        #expect(h.machine.revision == 3)
        #expect(h.machine.appliedIndex == 3)
    }

    @Test("A transaction runs its success branch only when every compare holds (compare-and-swap)")
    func compareAndSwap() throws {
        let h = try MachineHarness()
        try h.put("k", "v1")
        let cas = { (expected: Int64, value: String) -> Command in
            .txn(
                Txn(
                    compares: [Compare(b("k"), .equal, .modRevision(expected))],
                    success: [.put(key: b("k"), value: b(value), lease: 0)],
                    failure: [.range(.key(b("k")), limit: 0)]))
        }
        guard case .txn(let ok) = try h.run(cas(1, "v2")) else {
            Issue.record("not a txn")
            return
        }
        #expect(ok.succeeded && ok.revision == 2)
        guard case .txn(let lost) = try h.run(cas(1, "v3")) else {
            Issue.record("not a txn")
            return
        }
        #expect(!lost.succeeded && lost.revision == 2)
        #expect(lost.results == [.range(kvs: [try #require(try h.get("k"))], more: false)])
        #expect(try h.get("k")?.value == b("v2"))
        // A missing key has version 0: "create if absent".
        let create = Command.txn(
            Txn(
                compares: [Compare(b("new"), .equal, .version(0))],
                success: [.put(key: b("new"), value: b("x"), lease: 0)]))
        guard case .txn(let created) = try h.run(create) else {
            Issue.record("not a txn")
            return
        }
        #expect(created.succeeded)
        guard case .txn(let again) = try h.run(create) else {
            Issue.record("not a txn")
            return
        }
        #expect(!again.succeeded)
    }

    @Test("Deleting a prefix removes exactly the keys under it, in one revision")
    func deletePrefix() throws {
        let h = try MachineHarness()
        for k in ["m/1", "m/2", "m0", "n/1"] { try h.put(k, "x") }
        try h.run(.txn(Txn(success: [.delete(.prefix(b("m/")))])))
        #expect(try h.machine.range(.prefix(b("")), limit: 0).0.map(\.key) == [b("m0"), b("n/1")])
        let events = try h.machine.events(in: .prefix(b("m/")), from: 5)
        #expect(events.map(\.kind) == [.delete, .delete])
        #expect(events.map(\.revision) == [5, 5])
    }

    @Test("Ranges honour limits and report whether more keys matched")
    func rangeLimit() throws {
        let h = try MachineHarness()
        for i in 0..<5 { try h.put("r/\(i)", "\(i)") }
        let (kvs, more) = try h.machine.range(.prefix(b("r/")), limit: 3)
        #expect(kvs.map(\.value) == [b("0"), b("1"), b("2")] && more)
        let (all, none) = try h.machine.range(KeyRange(start: b("r/3"), end: [0]), limit: 0)
        #expect(all.count == 2 && !none)
    }

    @Test("A read at a past revision sees the keys as they were, until that revision is compacted")
    func pastRevisions() throws {
        let h = try MachineHarness()
        try h.put("a", "1")  // rev 1
        try h.put("b", "1")  // rev 2
        try h.put("a", "2")  // rev 3
        try h.run(.txn(Txn(success: [.delete(.key(b("b")))])))  // rev 4
        #expect(try h.machine.range(.prefix(b("")), limit: 0, at: 2).0.map(\.value) == [b("1"), b("1")])
        #expect(try h.machine.range(.prefix(b("")), limit: 0, at: 4).0.map(\.key) == [b("a")])
        try h.run(.compact(revision: 3))
        #expect(try h.machine.range(.prefix(b("")), limit: 0, at: 3).0.map(\.value) == [b("2"), b("1")])
        #expect(throws: StoreError.self) { try h.machine.range(.prefix(b("")), limit: 0, at: 2) }
        #expect(throws: StoreError.self) { try h.machine.range(.prefix(b("")), limit: 0, at: 9) }
        #expect(try h.machine.events(in: .prefix(b("")), from: 0).map(\.revision) == [2, 3, 4])
    }

    @Test("Revoking a lease deletes its keys; a put on an unknown lease is refused")
    func leases() throws {
        let h = try MachineHarness()
        guard case .leaseGranted(let id, 10) = try h.run(.leaseGrant(id: 0, ttlSeconds: 10)) else {
            Issue.record("no lease")
            return
        }
        try h.put("l/1", "x", lease: id)
        try h.put("l/2", "x", lease: id)
        try h.put("keep", "x")
        guard case .failed(let error) = try h.put("l/3", "x", lease: 999) else {
            Issue.record("accepted")
            return
        }
        #expect(error.code == .leaseNotFound)
        #expect(try h.run(.leaseRevoke(id: id, expired: true)) == .leaseRevoked(revision: 4))
        #expect(try h.machine.range(.prefix(b("")), limit: 0).0.map(\.key) == [b("keep")])
        #expect(try h.machine.leases().isEmpty)
    }

    @Test("A retried proposal with the same client and sequence applies once and gets the same result")
    func exactlyOnce() throws {
        let h = try MachineHarness()
        let first = try h.machine.apply([h.entry(.txn(Txn(success: [.put(key: b("c"), value: b("1"), lease: 0)])), sequence: 1)])
        let retry = try h.machine.apply([h.entry(.txn(Txn(success: [.put(key: b("c"), value: b("1"), lease: 0)])), sequence: 1)])
        #expect(first.first?.result == retry.first?.result)
        #expect(try h.get("c")?.version == 1)
        #expect(h.machine.revision == 1)
    }

    @Test("Results of a client that never acknowledged them are forgotten 100 000 entries later, on a fixed index")
    func abandonedResults() throws {
        let h = try MachineHarness()
        _ = try h.machine.apply([h.entry(.txn(Txn(success: [.put(key: b("a"), value: b("1"), lease: 0)])), client: 9, sequence: 1)])
        #expect(try h.machine.storedResult(client: 9, sequence: 1) != nil)
        h.index = 102_399  // the next entry, 102 400, is a multiple of 1024
        _ = try h.machine.apply([h.entry(.txn(Txn(success: [.put(key: b("b"), value: b("1"), lease: 0)])))])
        #expect(try h.machine.storedResult(client: 9, sequence: 1) == nil)
    }

    @Test("The applied index is stored with the effects, so entries replayed after a restart are skipped")
    func appliedIndexSurvivesRestart() throws {
        let h = try MachineHarness()
        let batch = [
            h.entry(.txn(Txn(success: [.put(key: b("x"), value: b("1"), lease: 0)]))),
            h.entry(.txn(Txn(success: [.put(key: b("x"), value: b("2"), lease: 0)]))),
        ]
        _ = try h.machine.apply(batch)
        h.machine = try StateMachine(path: h.dir.file("state.db"))
        #expect(h.machine.appliedIndex == 2 && h.machine.revision == 2)
        #expect(try h.machine.apply(batch).isEmpty)
        #expect(try h.get("x")?.version == 2)
        #expect(try h.machine.db.integrityCheck() == "ok")
    }

    @Test("state.db runs in WAL mode with synchronous=NORMAL (raft.db, fsynced, is the durable record)")
    func statePragmas() throws {
        let h = try MachineHarness()
        #expect(try h.machine.db.integer("PRAGMA synchronous") == 1)
        let st = try h.machine.db.statement("PRAGMA journal_mode")
        #expect(try st.step())
        #expect(st.text(0) == "wal")
    }

    @Test("A prefix's range end is the prefix with its last byte incremented (etcd GetPrefixRangeEnd)")
    func prefixEnd() {
        #expect(KeyRange.prefix([1, 2]).end == [1, 3])
        #expect(KeyRange.prefix([1, 0xff]).end == [2])
        #expect(KeyRange.prefix([0xff]).end == [0])
        #expect(KeyRange.prefix([]).end == [0])
    }
}

@Suite("State machine snapshots")
struct StateMachineSnapshotTests {
    @Test("A snapshot installed on another member reproduces keys, revisions, leases and applied index")
    func snapshotRoundTrip() throws {
        let h = try MachineHarness()
        _ = try h.run(.leaseGrant(id: 77, ttlSeconds: 30))
        try h.put("a", "1", lease: 77)
        try h.put("b", "2")
        let data = try h.machine.snapshotData()
        let other = try MachineHarness()
        try other.put("stale", "x")
        try other.machine.install(data, at: h.machine.appliedIndex)
        #expect(other.machine.appliedIndex == h.machine.appliedIndex)
        #expect(other.machine.revision == 2)
        #expect(try other.machine.range(.prefix(b("")), limit: 0).0 == h.machine.range(.prefix(b("")), limit: 0).0)
        #expect(try other.machine.leases() == [77: 30])
        #expect(try other.machine.db.integrityCheck() == "ok")
        // The installed file is the one reopened after a restart.
        let reopened = try StateMachine(path: other.dir.file("state.db"))
        #expect(reopened.appliedIndex == h.machine.appliedIndex)
    }
}

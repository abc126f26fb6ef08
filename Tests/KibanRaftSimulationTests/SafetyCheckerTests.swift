import KibanRaft
import Testing

@testable import KibanRaftSimulation

/// Each check of ``SafetyChecker`` on a hand-made trace that breaks its property, and a valid
/// trace that breaks none: the checks work apart from the simulator that feeds them.
@Suite("Safety checker on hand-made traces")
struct SafetyCheckerTests {
    @Test("Two leaders of one term break election safety")
    func twoLeadersInATerm() throws {
        var checker = SafetyChecker()
        let a = try Self.soleVoterLeader(1, storage: MemoryStorage(bootstrap: ConfState(voters: [1])))
        let b = try Self.soleVoterLeader(2, storage: MemoryStorage(bootstrap: ConfState(voters: [2])))
        #expect(a.term == b.term)
        try checker.observe(a, before: Self.follower(term: 1, commit: 1))
        Self.expect(.electionSafety) { () throws(Violation) in
            try checker.observe(b, before: Self.follower(term: 1, commit: 1))
        }
    }

    @Test("A leader without an entry committed in an earlier term breaks leader completeness")
    func leaderMissingCommittedEntry() throws {
        var checker = SafetyChecker()
        let committed = Entry(term: 2, index: 2, data: Array("x".utf8))
        let holder = try Self.follower(1, entries: [committed], hardState: HardState(term: 2, vote: 0, commit: 2))
        checker.observeDurableCommit(from: 1, to: 2, node: holder)
        // Leads term 3 with its own empty entry at index 2.
        let empty = Self.storage(voters: [2], entries: [], hardState: HardState(term: 2, vote: 0, commit: 1))
        let leader = try Self.soleVoterLeader(2, storage: empty)
        #expect(leader.term == 3 && leader.term(at: 2) == 3)
        Self.expect(.leaderCompleteness) { () throws(Violation) in try checker.observe(leader, before: Self.follower(term: 2, commit: 1)) }
    }

    @Test("Two entries with one index and term break log matching")
    func differentEntriesSameIndexAndTerm() throws {
        var checker = SafetyChecker()
        let a = Entry(term: 2, index: 2, data: Array("a".utf8))
        try checker.observePersisted([a], node: 1, log: Self.storage(voters: [1], entries: [a]))
        let b = Entry(term: 2, index: 2, data: Array("b".utf8))
        Self.expect(.logMatching) { () throws(Violation) in
            try checker.observePersisted([b], node: 2, log: Self.storage(voters: [1], entries: [b]))
        }
    }

    @Test("One entry after different previous terms breaks log matching")
    func differentPredecessors() throws {
        var checker = SafetyChecker()
        let e = Entry(term: 3, index: 3, data: Array("e".utf8))
        let first = [Entry(term: 2, index: 2), e]
        try checker.observePersisted(first, node: 1, log: Self.storage(voters: [1], entries: first))
        let second = [Entry(term: 1, index: 2), e]
        Self.expect(.logMatching) { () throws(Violation) in
            try checker.observePersisted([e], node: 2, log: Self.storage(voters: [1], entries: second))
        }
    }

    @Test("Two nodes applying different entries at one index break state machine safety")
    func differentAppliedEntries() throws {
        var checker = SafetyChecker()
        try checker.observeApplied(Entry(term: 2, index: 2, data: Array("a".utf8)), node: 1, after: 1)
        Self.expect(.stateMachineSafety) { () throws(Violation) in
            try checker.observeApplied(Entry(term: 3, index: 2, data: Array("b".utf8)), node: 2, after: 1)
        }
    }

    @Test("Applying an index twice, or past a gap, breaks exactly-once")
    func applyOutOfOrder() throws {
        var checker = SafetyChecker()
        let e = Entry(term: 2, index: 2, data: Array("a".utf8))
        try checker.observeApplied(e, node: 1, after: 1)
        Self.expect(.exactlyOnce) { () throws(Violation) in try checker.observeApplied(e, node: 1, after: 2) }
        Self.expect(.exactlyOnce) { () throws(Violation) in
            try checker.observeApplied(Entry(term: 2, index: 4), node: 1, after: 2)
        }
    }

    @Test("A commit index that goes back, in memory or on disk, breaks commit monotonicity")
    func commitGoesBack() throws {
        var checker = SafetyChecker()
        var seen: UInt64 = 0
        try checker.observeCommit(5, node: 1, persisted: true, seen: &seen)
        Self.expect(.commitMonotonic) { () throws(Violation) in try checker.observeCommit(3, node: 1, persisted: false, seen: &seen) }
        // A restart forgets what memory saw; the disk still must not go back.
        var afterRestart: UInt64 = 0
        Self.expect(.commitMonotonic) { () throws(Violation) in
            try checker.observeCommit(4, node: 1, persisted: true, seen: &afterRestart)
        }
        let node = try Self.follower(2, entries: [], hardState: HardState(term: 1, vote: 0, commit: 1))
        Self.expect(.commitMonotonic) { () throws(Violation) in try checker.observe(node, before: Self.follower(term: 1, commit: 2)) }
    }

    @Test("A read released below what was applied when it was asked breaks read linearizability")
    func staleReadIndex() throws {
        var checker = SafetyChecker()
        for i: UInt64 in 2...3 { try checker.observeApplied(Entry(term: 2, index: i), node: 1, after: i - 1) }
        checker.observeReadAsked(context: [1])
        Self.expect(.linearizableRead) { () throws(Violation) in
            _ = try checker.observeReadReleased(context: [1], index: 2, node: 2)
        }
        checker.observeReadAsked(context: [2])
        #expect(try checker.observeReadReleased(context: [2], index: 3, node: 2))
        #expect(try !checker.observeReadReleased(context: [2], index: 3, node: 2), "a read released twice is not counted twice")
    }

    @Test("More messages due in one step than the bound breaks bounded traffic")
    func messageFlood() throws {
        let checker = SafetyChecker()
        try checker.observeDue(SafetyChecker.messagesPerStepMax)
        Self.expect(.boundedTraffic) { () throws(Violation) in try checker.observeDue(SafetyChecker.messagesPerStepMax + 1) }
    }

    @Test("A valid trace breaks nothing")
    func validTrace() throws {
        var checker = SafetyChecker()
        let x = Entry(term: 2, index: 2, data: Array("x".utf8))
        let holder = try Self.follower(1, entries: [x], hardState: HardState(term: 2, vote: 0, commit: 2))
        try checker.observePersisted([x], node: 1, log: Self.storage(voters: [1, 2], entries: [x]))
        try checker.observePersisted([x], node: 2, log: Self.storage(voters: [1, 2], entries: [x]))
        var seen: UInt64 = 1
        try checker.observeCommit(2, node: 1, persisted: true, seen: &seen)
        checker.observeDurableCommit(from: 1, to: 2, node: holder)
        try checker.observeApplied(x, node: 1, after: 1)
        try checker.observeApplied(x, node: 2, after: 1)
        checker.observeReadAsked(context: [7])
        #expect(try checker.observeReadReleased(context: [7], index: 2, node: 1))
        // The next leader holds the committed entry: complete, and alone in its term.
        let next = Self.storage(voters: [2], entries: [x], hardState: HardState(term: 2, vote: 0, commit: 2))
        let leader = try Self.soleVoterLeader(2, storage: next)
        try checker.observe(leader, before: Self.follower(term: 2, commit: 2))
        try checker.observeDue(3)
    }

    // MARK: hand-made nodes

    static func follower(term: UInt64, commit: UInt64) -> (role: Role, term: UInt64, commit: UInt64) {
        (.follower, term, commit)
    }

    /// Storage of a group founded by `voters`, then `entries` from index 2 and `hardState`.
    static func storage(voters: Set<NodeID>, entries: [Entry], hardState: HardState? = nil) -> MemoryStorage {
        let s = MemoryStorage(bootstrap: ConfState(voters: voters))
        s.append(entries)
        if let hardState { s.setHardState(hardState) }
        return s
    }

    static func follower(_ id: NodeID, entries: [Entry], hardState: HardState) throws -> RawNode {
        try RawNode(
            config: Config(id: id), storage: storage(voters: [id], entries: entries, hardState: hardState),
            random: SimRandom(seed: id))
    }

    /// A node that is the only voter of its group and has just elected itself.
    static func soleVoterLeader(_ id: NodeID, storage: MemoryStorage) throws -> RawNode {
        var node = try RawNode(config: Config(id: id), storage: storage, random: SimRandom(seed: id))
        node.campaign()
        try #require(node.role == .leader)
        return node
    }

    static func expect(
        _ property: Violation.Property, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws(Violation) -> Void
    ) {
        do {
            try body()
            Issue.record("no violation; expected \(property.rawValue)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.property == property, "\(error)", sourceLocation: sourceLocation)
        }
    }
}

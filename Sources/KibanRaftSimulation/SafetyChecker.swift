import KibanRaft

/// A broken Raft guarantee, with where it was seen.
package struct Violation: Error, Sendable, CustomStringConvertible {
    /// Which property.
    package enum Property: String, Sendable, CaseIterable {
        case electionSafety = "election safety (at most one leader per term)"
        case logMatching = "log matching"
        case leaderCompleteness = "leader completeness"
        case stateMachineSafety = "state machine safety"
        case commitMonotonic = "commit index never goes backwards"
        case exactlyOnce = "acknowledged proposals applied exactly once"
        case linearizableRead = "a read index covers every write acknowledged before the read"
        case liveness = "liveness after healing"
        case boundedTraffic = "message traffic stays bounded"
    }

    package var property: Property
    package var detail: String
    package var step: Int

    package var description: String { "\(property.rawValue) violated at step \(step): \(detail)" }
}

/// The checkers that run beside the cluster. Each `observe…` call checks invariants as the
/// simulation hands it what a node just did; the simulation calls them after every step. The
/// first broken property ends the run (a broken invariant can make the nodes' own assertions
/// stop the process), so each checker looks as early as its property can be seen.
struct SafetyChecker {
    private struct EntryKey: Hashable {
        var index: UInt64
        var term: UInt64
    }

    private struct EntryFacts {
        var kind: EntryKind
        var data: [UInt8]
        var previousTerm: UInt64?
    }

    /// What a leader committed: the entry's term, and the term in which it was committed.
    private struct Commitment {
        var entryTerm: UInt64
        var commitTerm: UInt64
    }

    private var leaders: [UInt64: NodeID] = [:]
    private var entries: [EntryKey: EntryFacts] = [:]
    private var commitments: [UInt64: Commitment] = [:]
    /// Every entry applied anywhere, by index.
    private(set) var applied: [UInt64: Entry] = [:]
    private var persistedCommit: [NodeID: UInt64] = [:]
    /// Read context → the highest index applied anywhere when the read was asked.
    private var readFloor: [[UInt8]: UInt64] = [:]
    var step = 0

    /// More messages due in one step than a healthy group of at most seven members sends.
    static let messagesPerStepMax = 5_000

    private func fail(_ p: Violation.Property, _ detail: String) -> Violation {
        Violation(property: p, detail: detail, step: step)
    }

    /// After every call into a node: the commit index does not go back, election safety, and
    /// leader completeness when it has just become leader. `before` is the node's (role, term,
    /// commit) before the call.
    mutating func observe(_ node: RawNode, before: (role: Role, term: UInt64, commit: UInt64)) throws(Violation) {
        if node.commitIndex < before.commit {
            throw fail(.commitMonotonic, "node \(node.id) commit went from \(before.commit) to \(node.commitIndex)")
        }
        guard node.role == .leader else { return }
        let term = node.term
        if let other = leaders[term], other != node.id {
            throw fail(.electionSafety, "nodes \(other) and \(node.id) both lead term \(term)")
        }
        leaders[term] = node.id
        if before.role != .leader || before.term != term {
            try checkCompleteness(node)
        }
    }

    /// Records entries a node durably knows as committed (its persisted commit index moved from
    /// `from` to `to`). A node learns a commit index only from a leader of its current term (or
    /// is that leader), so the entry was committed in a term no later than the node's.
    mutating func observeDurableCommit(from: UInt64, to: UInt64, node: RawNode) {
        var i = max(from, node.firstIndex - 1) + 1
        while i <= to {
            if commitments[i] == nil, let t = node.term(at: i) {
                commitments[i] = Commitment(entryTerm: t, commitTerm: node.term)
            }
            i += 1
        }
    }

    /// §5.4: a leader holds every entry committed in an earlier term.
    private func checkCompleteness(_ node: RawNode) throws(Violation) {
        let first = node.firstIndex
        for (index, c) in commitments where c.commitTerm < node.term && index >= first {
            let t = node.term(at: index)
            guard t == c.entryTerm else {
                throw fail(
                    .leaderCompleteness,
                    "leader \(node.id) of term \(node.term) has term \(t.map { "\($0)" } ?? "none") at index \(index), committed with term \(c.entryTerm) in term \(c.commitTerm)"
                )
            }
        }
    }

    /// Log matching: an (index, term) pair identifies one entry and the term before it.
    mutating func observePersisted(_ new: [Entry], node: NodeID, log: MemoryStorage) throws(Violation) {
        for e in new {
            let previous = e.index > 1 ? try? log.term(e.index - 1) : 0
            let key = EntryKey(index: e.index, term: e.term)
            guard let known = entries[key] else {
                entries[key] = EntryFacts(kind: e.kind, data: e.data, previousTerm: previous)
                continue
            }
            if known.kind != e.kind || known.data != e.data {
                throw fail(.logMatching, "node \(node) holds a different entry at index \(e.index) term \(e.term)")
            }
            if let p = previous, let q = known.previousTerm, p != q {
                throw fail(.logMatching, "node \(node): entry \(e.index)/\(e.term) follows term \(p), elsewhere \(q)")
            }
        }
    }

    /// Exactly once: a node applies the entry after its applied index, not one again or one
    /// past a gap. State machine safety: one entry per index, the same on every node.
    mutating func observeApplied(_ e: Entry, node: NodeID, after appliedIndex: UInt64) throws(Violation) {
        guard e.index == appliedIndex + 1 else {
            throw fail(.exactlyOnce, "node \(node) applied index \(e.index) after \(appliedIndex)")
        }
        if let known = applied[e.index] {
            guard known.term == e.term, known.data == e.data, known.kind == e.kind else {
                throw fail(.stateMachineSafety, "node \(node) applied a different entry at index \(e.index) (term \(e.term) vs \(known.term))")
            }
        } else {
            applied[e.index] = e
            highestApplied = max(highestApplied, e.index)
        }
    }

    /// The commit index never goes back within a run of a node, nor on its disk.
    mutating func observeCommit(_ commit: UInt64, node: NodeID, persisted: Bool, seen: inout UInt64) throws(Violation) {
        if commit < seen {
            throw fail(.commitMonotonic, "node \(node) commit went from \(seen) to \(commit)")
        }
        seen = commit
        guard persisted else { return }
        let before = persistedCommit[node] ?? 0
        if commit < before {
            throw fail(.commitMonotonic, "node \(node) persisted commit went from \(before) to \(commit)")
        }
        persistedCommit[node] = commit
    }

    /// The highest index applied anywhere.
    private(set) var highestApplied: UInt64 = 0

    /// A client asks a linearizable read: every write applied anywhere by now must be covered.
    mutating func observeReadAsked(context: [UInt8]) {
        readFloor[context] = highestApplied
    }

    /// A node released a read at `index`. Returns false for a read no client asked (one
    /// released twice, say).
    mutating func observeReadReleased(context: [UInt8], index: UInt64, node: NodeID) throws(Violation) -> Bool {
        guard let floor = readFloor.removeValue(forKey: context) else { return false }
        guard index >= floor else {
            throw fail(.linearizableRead, "node \(node) read at index \(index) after index \(floor) was applied")
        }
        return true
    }

    /// The messages due in one step: a healthy group sends a few per member and step; thousands
    /// mean a feedback loop between nodes (a bug even when every safety property holds).
    func observeDue(_ count: Int) throws(Violation) {
        guard count <= Self.messagesPerStepMax else {
            throw fail(.boundedTraffic, "\(count) messages due in one step")
        }
    }
}

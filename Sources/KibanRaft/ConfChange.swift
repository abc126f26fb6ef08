/// A single-server membership change (Raft thesis §4.1).
///
/// A change takes effect on each node as soon as its entry is in that node's log, committed or
/// not (§4.1), and is undone if the entry is truncated. The leader accepts a change only when the
/// previous one is committed and it has committed an entry of its own term (§4.1, the fix to the
/// single-server bug), so any two configurations in use at once differ by one server and their
/// majorities overlap.
public enum ConfChange: Sendable, Hashable, Codable {
    /// Adds a non-voting member that receives the log.
    case addLearner(NodeID)
    /// Turns a learner into a voter.
    case promote(NodeID)
    /// Removes a member, voter or learner. A leader that removes itself steps down once the
    /// change is committed.
    case remove(NodeID)

    /// The member the change is about.
    public var node: NodeID {
        switch self {
        case .addLearner(let id), .promote(let id), .remove(let id): return id
        }
    }

    /// The configuration after applying this change to `conf`, or nil when it does not apply
    /// (adding a member that exists, promoting a non-learner, removing a stranger, removing the
    /// last voter).
    public func applied(to conf: ConfState) -> ConfState? {
        var next = conf
        switch self {
        case .addLearner(let id):
            guard id != 0, !conf.members.contains(id) else { return nil }
            next.learners.insert(id)
        case .promote(let id):
            guard conf.learners.contains(id) else { return nil }
            next.learners.remove(id)
            next.voters.insert(id)
        case .remove(let id):
            guard conf.members.contains(id) else { return nil }
            next.learners.remove(id)
            next.voters.remove(id)
            guard !next.voters.isEmpty else { return nil }
        }
        return next
    }

    /// The bytes stored in the entry's data: a tag byte and the node id, big-endian.
    public var encoded: [UInt8] {
        let tag: UInt8
        switch self {
        case .addLearner: tag = 1
        case .promote: tag = 2
        case .remove: tag = 3
        }
        return [tag] + (0..<8).map { UInt8(truncatingIfNeeded: node >> (56 - 8 * UInt64($0))) }
    }

    /// Decodes ``encoded`` bytes; nil when they are not a change.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == 9 else { return nil }
        let id = bytes[1...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        switch bytes[0] {
        case 1: self = .addLearner(id)
        case 2: self = .promote(id)
        case 3: self = .remove(id)
        default: return nil
        }
    }
}

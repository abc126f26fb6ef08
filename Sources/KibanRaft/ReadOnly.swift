/// Pending linearizable reads at the leader (thesis §6.4): each waits for a quorum of voters to
/// confirm, by heartbeat responses carrying its context, that this node is still the leader.
struct ReadOnly {
    struct Request {
        var index: UInt64
        var context: [UInt8]
        /// The member that asked (the leader itself for local reads).
        var from: NodeID
        var acks: Set<NodeID>
    }

    /// In arrival order; confirming one confirms every earlier one.
    private(set) var pending: [Request] = []

    mutating func add(index: UInt64, context: [UInt8], from: NodeID, leader: NodeID) {
        guard !pending.contains(where: { $0.context == context }) else { return }
        pending.append(Request(index: index, context: context, from: from, acks: [leader]))
    }

    /// Records `from`'s confirmation and returns the requests now confirmed by a quorum of `voters`.
    mutating func acknowledge(context: [UInt8], from: NodeID, voters: Set<NodeID>) -> [Request] {
        guard let i = pending.firstIndex(where: { $0.context == context }) else { return [] }
        pending[i].acks.insert(from)
        guard pending[i].acks.intersection(voters).count >= voters.count / 2 + 1 else { return [] }
        let released = Array(pending[...i])
        pending.removeFirst(i + 1)
        return released
    }

    /// The context of the newest pending read, sent with heartbeats.
    var lastContext: [UInt8]? { pending.last?.context }

    mutating func reset() { pending = [] }
}

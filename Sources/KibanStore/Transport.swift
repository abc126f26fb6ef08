public import KibanRaft
import Synchronization

/// Carries Raft messages between the members of a group. Delivery is best effort: Raft
/// tolerates loss, duplication and reordering. The network transport (mutual TLS over TCP)
/// comes with the daemon; ``LocalTransport`` connects stores inside one process.
public protocol Transport: Sendable {
    /// Hands messages to the network; returns at once.
    func send(_ messages: [Message])
    /// Messages addressed to this member, for as long as it runs.
    var incoming: AsyncStream<Message> { get }
}

/// An in-process network for tests and `kiban dev`: members exchange messages through queues,
/// and a test can cut links to partition the group.
public final class LocalNetwork: Sendable {
    private struct State {
        var inboxes: [NodeID: AsyncStream<Message>.Continuation] = [:]
        /// Directed links that drop everything.
        var cut: Set<[NodeID]> = []
    }

    private let state = Mutex(State())

    /// Creates an empty network.
    public init() {}

    /// The transport of member `id`, replacing a previous one (a restarted member).
    public func transport(for id: NodeID) -> LocalTransport {
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self)
        let old = state.withLock { s in
            defer { s.inboxes[id] = continuation }
            return s.inboxes[id]
        }
        old?.finish()
        return LocalTransport(network: self, id: id, incoming: stream)
    }

    /// Drops all traffic between `member` and everyone else until ``heal()``.
    public func isolate(_ member: NodeID) {
        state.withLock { s in
            for other in s.inboxes.keys where other != member {
                s.cut.insert([member, other])
                s.cut.insert([other, member])
            }
        }
    }

    /// Drops traffic in both directions between `a` and `b`.
    public func cut(_ a: NodeID, _ b: NodeID) {
        state.withLock { s in
            s.cut.insert([a, b])
            s.cut.insert([b, a])
        }
    }

    /// Restores every link.
    public func heal() { state.withLock { $0.cut.removeAll() } }

    /// Stops delivering to `id` (the member crashed); a new ``transport(for:)`` reconnects it.
    public func disconnect(_ id: NodeID) {
        state.withLock { $0.inboxes.removeValue(forKey: id) }?.finish()
    }

    func deliver(_ messages: [Message], from: NodeID) {
        state.withLock { s in
            for m in messages where !s.cut.contains([from, m.to]) {
                s.inboxes[m.to]?.yield(m)
            }
        }
    }
}

/// One member's end of a ``LocalNetwork``.
public struct LocalTransport: Transport {
    let network: LocalNetwork
    let id: NodeID
    /// Messages addressed to this member.
    public let incoming: AsyncStream<Message>

    public func send(_ messages: [Message]) { network.deliver(messages, from: id) }
}

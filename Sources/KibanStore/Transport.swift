public import KibanRaft
import Synchronization

/// Carries Raft messages between the members of a group. Delivery is best effort: Raft
/// tolerates loss, duplication and reordering. The network transport (mutual TLS over TCP)
/// comes with the daemon; ``LocalTransport`` connects stores inside one process.
public protocol Transport: Sendable {
    /// Hands messages to the network; returns at once.
    func send(_ messages: [Message])
    /// Waits for messages addressed to this member and returns every one queued, so that the
    /// store handles a burst in one Ready (one fsync); nil once the transport is closed.
    func receive() async -> [Message]?
    /// Whether the transport tells the store how each snapshot transfer ended (through
    /// ``Store/reportSnapshot(to:succeeded:)``). When false, the store counts a snapshot as
    /// delivered once handed over, and Raft's probing finds out otherwise.
    var reportsSnapshotOutcome: Bool { get }
}

extension Transport {
    /// Transports deliver snapshots like any message unless they say otherwise.
    public var reportsSnapshotOutcome: Bool { false }
}

/// A queue of incoming messages with one waiting reader (shared with the network transport).
package final class MessageQueue: Sendable {
    private struct State {
        var messages: [Message] = []
        var reader: CheckedContinuation<[Message]?, Never>?
        var closed = false
    }

    private let state = Mutex(State())

    /// An empty, open queue.
    package init() {}

    /// Queues `m`, waking the reader.
    package func push(_ m: Message) {
        let (reader, batch) = state.withLock { s -> (CheckedContinuation<[Message]?, Never>?, [Message]) in
            guard !s.closed else { return (nil, []) }
            s.messages.append(m)
            guard let r = s.reader else { return (nil, []) }
            s.reader = nil
            defer { s.messages = [] }
            return (r, s.messages)
        }
        reader?.resume(returning: batch)
    }

    /// Every queued message, waiting for one; nil once closed.
    package func pop() async -> [Message]? {
        await withCheckedContinuation { c in
            let ready = state.withLock { s -> [Message]?? in
                if !s.messages.isEmpty {
                    defer { s.messages = [] }
                    return .some(s.messages)
                }
                if s.closed { return .some(nil) }
                s.reader = c
                return .none
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Wakes the reader with nil; later pushes are dropped.
    package func close() {
        let reader = state.withLock { s in
            s.closed = true
            defer { s.reader = nil }
            return s.reader
        }
        reader?.resume(returning: nil)
    }
}

/// An in-process network for tests and `kiban dev`: members exchange messages through queues,
/// and a test can cut links to partition the group.
public final class LocalNetwork: Sendable {
    private struct State {
        var inboxes: [NodeID: MessageQueue] = [:]
        /// Directed links that drop everything.
        var cut: Set<[NodeID]> = []
        /// Deliver every message twice (Raft must tolerate it; the store must apply once).
        var duplicating = false
    }

    private let state = Mutex(State())

    /// Creates an empty network.
    public init() {}

    /// The transport of member `id`, replacing a previous one (a restarted member).
    public func transport(for id: NodeID) -> LocalTransport {
        let queue = MessageQueue()
        let old = state.withLock { s in
            defer { s.inboxes[id] = queue }
            return s.inboxes[id]
        }
        old?.close()
        return LocalTransport(network: self, id: id, queue: queue)
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

    /// Delivers every message twice while `on` (a network fault Raft must tolerate).
    public func duplicate(_ on: Bool) { state.withLock { $0.duplicating = on } }

    /// Stops delivering to `id` (the member crashed); a new ``transport(for:)`` reconnects it.
    public func disconnect(_ id: NodeID) {
        state.withLock { $0.inboxes.removeValue(forKey: id) }?.close()
    }

    func deliver(_ messages: [Message], from: NodeID) {
        let routes = state.withLock { s in
            let once = messages.compactMap { m in s.cut.contains([from, m.to]) ? nil : s.inboxes[m.to].map { (m, $0) } }
            return s.duplicating ? once + once : once
        }
        for (m, queue) in routes { queue.push(m) }
    }
}

/// One member's end of a ``LocalNetwork``.
public struct LocalTransport: Transport {
    let network: LocalNetwork
    let id: NodeID
    let queue: MessageQueue

    /// Queues the messages at their destinations, dropping those on cut links.
    public func send(_ messages: [Message]) { network.deliver(messages, from: id) }

    /// Every message queued for this member, waiting for one if none is.
    public func receive() async -> [Message]? { await queue.pop() }
}

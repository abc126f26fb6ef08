import CUring
import Glibc
import Synchronization

/// A message posted to a ring from another thread.
enum RingMessage: Sendable {
    /// Stop accepting, finish in-flight responses, exit.
    case shutdown
    /// Send a UDP reply on the ring's socket number `socket`.
    case datagram(socket: Int, reply: DatagramReply)
    /// Serve a ``TransferSocket``'s descriptor (bound, not yet receiving) as socket `id`.
    case openSocket(id: Int, fd: Int32, port: UInt16, service: UDPService)
    /// Cancel socket `id`'s receive and close it.
    case closeSocket(id: Int)
}

/// How other threads (Swift concurrency tasks included) reach a ring: a locked queue plus an
/// eventfd that the ring keeps a read pending on, so a post wakes the ring at once.
final class Mailbox: Sendable {
    let eventFD: Int32
    private let queue = Mutex<[RingMessage]>([])
    private let queuedMax: Int

    init(queuedMax: Int) throws(IOError) {
        eventFD = try syscall("eventfd") { eventfd(0, Int32(EFD_CLOEXEC)) }
        self.queuedMax = queuedMax
    }

    deinit { closeQuietly(eventFD) }

    /// Queues a message and wakes the ring; returns false (dropping it) when the queue is full.
    /// `.shutdown` and `.closeSocket` are always queued: a ring that missed one would never exit,
    /// or would keep a port open.
    @discardableResult
    func post(_ message: RingMessage) -> Bool {
        let accepted = queue.withLock { queue in
            switch message {
            case .datagram, .openSocket: if queue.count >= queuedMax { return false }
            case .shutdown, .closeSocket: break
            }
            queue.append(message)
            return true
        }
        if accepted {
            var one: UInt64 = 1
            // A full counter (2^64 - 2 posts unread) is impossible; a failed write only delays the wake.
            _ = write(eventFD, &one, 8)
        }
        return accepted
    }

    /// Every queued message, oldest first.
    func takeAll() -> [RingMessage] {
        queue.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
    }
}

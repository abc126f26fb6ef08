/// The append messages a leader has sent to one follower and not yet seen acknowledged, bounded
/// in count and bytes so that a slow follower cannot make the leader buffer without limit.
struct Inflights {
    /// Last index and size of each message in flight, oldest first.
    private var queue: [(index: UInt64, bytes: Int)] = []
    private var head = 0
    private(set) var bytes = 0
    let messagesMax: Int
    let bytesMax: Int

    init(messagesMax: Int, bytesMax: Int) {
        precondition(messagesMax > 0 && bytesMax > 0)
        self.messagesMax = messagesMax
        self.bytesMax = bytesMax
    }

    var count: Int { queue.count - head }

    /// No more messages may be sent until some are acknowledged.
    var isFull: Bool { count >= messagesMax || bytes >= bytesMax }

    mutating func add(index: UInt64, bytes size: Int) {
        precondition(!isFull, "inflights full")
        queue.append((index, size))
        bytes += size
    }

    /// Frees every message whose last index is ≤ `index` (acknowledged, cumulatively).
    mutating func freeLE(_ index: UInt64) {
        while head < queue.count, queue[head].index <= index {
            bytes -= queue[head].bytes
            head += 1
        }
        if head > 64, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    /// Frees the oldest message, so that a heartbeat response unblocks a stalled pipeline.
    mutating func freeFirstOne() {
        guard head < queue.count else { return }
        freeLE(queue[head].index)
    }

    mutating func reset() {
        queue.removeAll(keepingCapacity: true)
        head = 0
        bytes = 0
    }
}

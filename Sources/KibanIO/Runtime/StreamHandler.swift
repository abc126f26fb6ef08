/// The protocol logic of one TCP connection (HTTP implements it). The runtime owns the socket,
/// the buffers and the timers; the handler only turns bytes into responses, on the ring thread.
package protocol StreamHandler: AnyObject {
    /// Consumes complete requests at the start of `input`, appending their responses to `output`,
    /// and stops when `output.isFull`. Returns how many bytes it consumed and whether the
    /// connection must close once `output` is sent.
    func consume(_ input: UnsafeRawBufferPointer, output: inout StreamOutput) -> StreamVerdict

    /// The request head did not arrive within the header timeout; may append a last response
    /// (`408`). The connection closes after it is sent.
    func headerTimedOut(output: inout StreamOutput)

    /// The connection is gone; called exactly once.
    func closed()
}

/// What `StreamHandler.consume` did.
package struct StreamVerdict {
    /// Bytes consumed from the front of the input.
    package var consumed: Int
    /// Close the connection once everything queued is sent.
    package var close: Bool

    /// A verdict.
    package init(consumed: Int, close: Bool) {
        self.consumed = consumed
        self.close = close
    }
}

/// A part of a response, sent in order.
package enum StreamSegment {
    /// Bytes from memory (headers, small bodies).
    case bytes([UInt8])
    /// `length` bytes of an open file from `offset`; the runtime closes `fd` when done.
    case file(fd: Int32, offset: Int64, length: Int64)
}

/// The responses queued on a connection, in order.
package struct StreamOutput {
    private(set) var segments: [StreamSegment] = []
    private var head = 0
    /// Segments that may be queued before the handler must stop reading requests.
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// True when the handler must stop consuming requests until some output is sent.
    package var isFull: Bool { segments.count - head >= capacity }
    /// True when nothing is waiting to be sent.
    package var isEmpty: Bool { head == segments.count }

    /// Queues a segment.
    package mutating func append(_ segment: StreamSegment) { segments.append(segment) }

    /// The next segment, removed from the queue.
    mutating func popFirst() -> StreamSegment? {
        guard head < segments.count else { return nil }
        let segment = segments[head]
        head += 1
        if head == segments.count {
            segments.removeAll(keepingCapacity: true)
            head = 0
        }
        return segment
    }

    /// The next segment if it is bytes, else nil (leaving it queued).
    mutating func popBytes() -> [UInt8]? {
        guard head < segments.count, case .bytes(let bytes) = segments[head] else { return nil }
        _ = popFirst()
        return bytes
    }

    /// Closes every queued file (the connection is going away).
    mutating func discard() {
        while let segment = popFirst() {
            if case .file(let fd, _, _) = segment { closeQuietly(fd) }
        }
    }
}

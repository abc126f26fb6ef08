/// One accepted TCP connection, owned by its ring thread.
final class Connection {
    let fd: Int32
    let slot: UInt32
    let generation: UInt32
    let handler: any StreamHandler
    /// Bytes received and not yet consumed by the handler (`input[inputStart...]`).
    var input: [UInt8] = []
    var inputStart = 0
    var output: StreamOutput
    /// Bytes of the send in flight (or about to be sent); kept alive until its completion.
    var sendBuffer: [UInt8] = []
    var sendOffset = 0
    /// The file being streamed, if any.
    var file: FileStream?
    /// The pipe file bodies are spliced through (`FileSendStrategy.splice`), made on first use.
    var pipe: (read: Int32, write: Int32, size: Int)?
    /// Operations submitted whose last completion has not arrived; the slot is freed at zero.
    var inflight = 0
    var receiving = false
    var sending = false
    /// The peer sent FIN: answer what was received, then close.
    var peerClosed = false
    /// The handler asked to close after the queued output.
    var closeAfterOutput = false
    /// `shutdown(2)` was called; waiting for the in-flight operations to finish.
    var shuttingDown = false
    /// Half-closed after the last response; reading and discarding until the peer closes.
    var lingering = false
    /// Waiting in the ring's queue for a free file buffer.
    var waitingForChunk = false
    /// When the first byte of the current, incomplete request arrived.
    var requestStartedAt: UInt64?
    /// Last time the connection made progress (bytes in or out).
    var lastActivity: UInt64

    init(fd: Int32, slot: UInt32, generation: UInt32, handler: any StreamHandler, queueCapacity: Int, now: UInt64) {
        self.fd = fd
        self.slot = slot
        self.generation = generation
        self.handler = handler
        output = StreamOutput(capacity: queueCapacity)
        lastActivity = now
    }

    func userData(_ kind: OpKind) -> UInt64 {
        UserData(kind, slot: slot, generation: generation).raw
    }

    /// Unconsumed input bytes.
    var bufferedInput: Int { input.count - inputStart }

    /// Drops consumed input, moving the rest to the front only when that is cheap or needed.
    func dropConsumed(_ count: Int) {
        inputStart += count
        if inputStart == input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        } else if inputStart > 16 * 1024 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    /// Nothing to send, nothing being sent.
    var outputIdle: Bool { !sending && output.isEmpty && file == nil }
}

/// A file body being streamed through a registered buffer: read a chunk, send it, repeat.
struct FileStream {
    let fd: Int32
    var offset: Int64
    var remaining: Int64
    /// The registered buffer holding the chunk in flight, if any.
    var chunk: Int?
    var chunkLength = 0
    var chunkSent = 0
}

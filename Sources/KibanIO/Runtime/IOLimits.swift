import CUring
import Glibc

/// Every bound the runtime keeps, per ring. Defaults suit a boot server feeding a few thousand
/// machines; docs/io.md explains each one.
public struct IOLimits: Sendable {
    /// Open TCP connections per ring; a connection beyond this gets `503` and is closed.
    public var connectionsPerRing = 4096
    /// Provided receive buffers per ring (a power of two) and the size of each.
    public var receiveBufferCount = 512
    /// Size of one provided receive buffer, in bytes.
    public var receiveBufferBytes = 4096
    /// Registered buffers for file bodies per ring, and their size: at most
    /// `fileChunkCount × fileChunkBytes` bytes of file data are in flight per ring.
    public var fileChunkCount = 64
    /// Size of one registered file buffer, in bytes.
    public var fileChunkBytes = 256 * 1024
    /// Bytes a connection may buffer while its request head is incomplete or waiting to be
    /// answered (pipelined); beyond this the request is rejected with `431` and the connection closed.
    public var inputBytesMax = 64 * 1024
    /// Responses queued on one connection before the runtime stops reading its pipelined requests.
    public var queuedResponsesMax = 32
    /// Time from the first byte of a request to the end of its head; a client slower than this
    /// (slowloris) gets `408` and is closed.
    public var headerTimeoutMilliseconds = 10_000
    /// Time a keep-alive connection may sit idle between requests before it is closed.
    public var idleTimeoutMilliseconds = 60_000
    /// Time a response may make no progress (client not reading) before the connection is closed.
    public var sendStallTimeoutMilliseconds = 60_000
    /// How long shutdown waits for in-flight responses before it closes what is left.
    public var drainTimeoutMilliseconds = 10_000
    /// Largest UDP datagram received; longer ones are truncated and dropped.
    public var datagramBytesMax = 2048
    /// Provided buffers for UDP receives per ring (a power of two).
    public var datagramBufferCount = 256
    /// UDP replies waiting to be sent per ring; more are dropped (UDP clients retry).
    public var pendingDatagramsMax = 1024

    /// The defaults.
    public init() {}

    /// The timer tick: often enough that the shortest timeout fires within a quarter of itself.
    var tickMilliseconds: Int {
        let shortest = min(headerTimeoutMilliseconds, idleTimeoutMilliseconds, sendStallTimeoutMilliseconds)
        return max(5, min(250, shortest / 4))
    }
}

/// How the runtime is set up: how many rings and their bounds.
public struct IOConfiguration: Sendable {
    /// Rings (one thread each); default one per core.
    public var rings: Int
    /// Submission queue entries per ring.
    public var ringEntries: UInt32 = 1024
    /// The bounds every ring keeps.
    public var limits = IOLimits()
    /// How file bodies reach the socket; docs/io.md has the measurements behind the default.
    public var fileSend = FileSendStrategy.splice

    /// One ring per online core unless `rings` is given.
    public init(rings: Int? = nil) {
        self.rings = rings ?? max(1, onlineCores())
    }
}

func onlineCores() -> Int {
    Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}

/// How file bodies are sent without passing through Swift code.
public enum FileSendStrategy: Sendable {
    /// `READ_FIXED` into a registered buffer linked to a `SEND` from it: the kernel copies page
    /// cache → buffer → socket; no user-space code touches the bytes. At most
    /// `IOLimits.fileChunkCount` chunks are in flight per ring.
    case registeredBuffers
    /// `SPLICE` file → pipe linked to `SPLICE` pipe → socket: page references move, no bytes are
    /// copied, though io_uring runs splices on its worker threads. The default: it measured
    /// faster and cheaper here (docs/io.md). Each connection that streams a file keeps a pipe
    /// (two descriptors) until it closes.
    case splice
}

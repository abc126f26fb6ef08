import Logging
import Synchronization

/// What the HTTP server has done since it started, summed over rings: a value for the
/// metrics endpoint.
public struct HTTPCounters: Sendable, Equatable {
    /// Requests answered (including error responses to malformed requests).
    public var requests = 0
    /// Response bytes queued for sending (heads and bodies).
    public var bytesSent: Int64 = 0
    /// Connections open now.
    public var openConnections = 0
    /// Responses by status code.
    public var responsesByStatus: [Int: Int] = [:]
    /// Access log lines left out by sampling.
    public var accessLogLinesSkipped = 0

    /// Responses with a status of 400 or more.
    public var errors: Int { responsesByStatus.filter { $0.key >= 400 }.values.reduce(0, +) }

    /// Empty counters.
    public init() {}

    mutating func add(_ other: HTTPCounters) {
        requests += other.requests
        bytesSent += other.bytesSent
        openConnections += other.openConnections
        responsesByStatus.merge(other.responsesByStatus, uniquingKeysWith: +)
        accessLogLinesSkipped += other.accessLogLinesSkipped
    }
}

/// One ring's counters and access-log budget. Only its ring thread writes, so the lock is
/// uncontended except when the metrics endpoint reads.
final class RingStats: Sendable {
    private struct State {
        var counters = HTTPCounters()
        var windowStart: UInt64 = 0
        var linesInWindow = 0
        var skippedInWindow = 0
    }

    private let state = Mutex(State())
    private let linesPerSecond: Int
    /// This ring's `Date` line.
    let date = HTTPDate()

    /// The server's logger with this ring's number as `kiban.io.ring`.
    let logger: Logger

    init(accessLogLinesPerSecond: Int, logger: Logger) {
        linesPerSecond = accessLogLinesPerSecond
        self.logger = logger
    }

    func snapshot() -> HTTPCounters { state.withLock { $0.counters } }

    func connectionOpened() { state.withLock { $0.counters.openConnections += 1 } }
    func connectionClosed() { state.withLock { $0.counters.openConnections -= 1 } }

    /// Counts a response and logs it unless this second's access-log budget is spent.
    func record(status: HTTPStatus, bytes: Int64, head: HTTPRequestHead?) {
        let now = monotonicNanoseconds()
        let (log, skipped) = state.withLock { state -> (Bool, Int) in
            state.counters.requests += 1
            state.counters.bytesSent += bytes
            state.counters.responsesByStatus[status.code, default: 0] += 1
            var skipped = 0
            if now &- state.windowStart > 1_000_000_000 {
                skipped = state.skippedInWindow
                state.windowStart = now
                state.linesInWindow = 0
                state.skippedInWindow = 0
            }
            guard state.linesInWindow < linesPerSecond else {
                state.skippedInWindow += 1
                state.counters.accessLogLinesSkipped += 1
                return (false, skipped)
            }
            state.linesInWindow += 1
            return (true, skipped)
        }
        if skipped > 0 {
            logger.info("access log sampled", metadata: ["kiban.io.skipped_lines": "\(skipped)"])
        }
        guard log, logger.logLevel <= .info else { return }
        logger.info(
            "request",
            metadata: [
                "kiban.io.method": "\(head?.method ?? "-")", "kiban.io.path": "\(head?.path ?? "-")",
                "kiban.io.status": "\(status.code)", "kiban.io.bytes": "\(bytes)",
            ])
    }
}

import Synchronization

/// Collects the operations concurrent clients run, each with its real-time interval, for
/// ``Linearizability/check(_:)``. Safe to share between tasks and threads.
///
/// ```swift
/// let recorder = HistoryRecorder()
/// let call = recorder.now()
/// // … run the operation …
/// recorder.record(.init(key: "x", input: .read, output: .read(nil), call: call, ret: recorder.now()))
/// ```
public final class HistoryRecorder: Sendable {
    private let start = ContinuousClock.now
    private let ops = Mutex<[Linearizability.Operation]>([])

    /// A recorder whose clock starts now.
    public init() {}

    /// Nanoseconds since the recorder was made.
    public func now() -> UInt64 {
        let d = ContinuousClock.now - start
        return UInt64(d.components.seconds) * 1_000_000_000 + UInt64(d.components.attoseconds / 1_000_000_000)
    }

    /// Every operation recorded so far, in the order they were recorded.
    public var history: [Linearizability.Operation] { ops.withLock { $0 } }

    /// Adds one operation.
    public func record(_ op: Linearizability.Operation) { ops.withLock { $0.append(op) } }
}

/// A one-shot signal from a service that it is up, which the service started after it awaits
/// (``DaemonServices``: each service starts once the one before serves).
final class StartGate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(of: Void.self) }

    /// Lets the waiter go on.
    func open() {
        continuation.yield()
        continuation.finish()
    }

    /// Returns once ``open()`` was called. One waiter per gate.
    /// - Throws: `CancellationError` when the task is cancelled first (the service before
    ///   failed, and the group stops).
    func wait() async throws {
        for await _ in stream { return }
        throw CancellationError()
    }
}

import CUring
import Dispatch
import Glibc
import Logging
import Synchronization

/// A ring's thread: sets the ring up on itself (the ring is `SINGLE_ISSUER`), reports whether
/// that worked, then runs the loop until shutdown.
final class RingThread: Sendable {
    let mailbox: Mailbox
    private let thread: Mutex<pthread_t?>

    private init(mailbox: Mailbox, thread: pthread_t) {
        self.mailbox = mailbox
        self.thread = Mutex(thread)
    }

    /// Starts the thread and waits until its ring is set up; throws what the setup threw.
    static func start(
        index: Int, setup: RingSetup, configuration: IOConfiguration,
        logger: Logger
    ) throws(IOError) -> RingThread {
        let start = StartLatch()
        let context = Context(body: {
            let loop: RingLoop
            do throws(IOError) {
                loop = try RingLoop(index: index, setup: setup, configuration: configuration, logger: logger)
            } catch {
                setup.closeAll()
                start.finish(error)
                return
            }
            start.finish(nil)
            loop.run()
        })
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { raw in
                // The context was retained for exactly this thread (see below).
                guard let raw else { return nil }
                let context = Unmanaged<Context>.fromOpaque(raw).takeRetainedValue()
                context.body()
                return nil
            }, Unmanaged.passRetained(context).toOpaque())
        guard created == 0 else {
            setup.closeAll()
            throw IOError(.systemCall, "starting ring thread \(index) failed.", errno: created)
        }
        if let error = start.wait() {
            pthread_join(thread, nil)
            throw error
        }
        return RingThread(mailbox: setup.mailbox, thread: thread)
    }

    /// Waits for the thread to exit (after a `.shutdown` message); only the first call waits.
    func join() {
        guard
            let thread = self.thread.withLock({ thread in
                defer { thread = nil }
                return thread
            })
        else { return }
        pthread_join(thread, nil)
    }

    private final class Context: Sendable {
        let body: @Sendable () -> Void
        init(body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

/// One-shot hand-over of a ring's setup result to the thread that started it.
private final class StartLatch: Sendable {
    private let result = Mutex<IOError??>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ error: IOError?) {
        result.withLock { $0 = .some(error) }
        done.signal()
    }

    func wait() -> IOError? {
        done.wait()
        return result.withLock { $0 ?? nil }
    }
}

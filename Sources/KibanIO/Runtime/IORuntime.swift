import CUring
import Glibc
public import Logging
import Synchronization

/// The io_uring data plane: one ring per core, each on its own thread, serving the same TCP and
/// UDP services through its own `SO_REUSEPORT` sockets.
///
/// ```swift
/// let runtime = try IORuntime.start(tcp: [http.service(at: .any(port: 10080))], logger: logger)
/// defer { runtime.shutdown() }
/// ```
public final class IORuntime: Sendable {
    /// The TCP endpoints as bound (port 0 in the configuration replaced by the chosen port).
    public let tcpEndpoints: [IPv4Endpoint]
    /// The UDP endpoints as bound.
    public let udpEndpoints: [IPv4Endpoint]
    private let mailboxes: [Mailbox]
    private let threads: Mutex<[RingThread]>

    private init(tcp: [IPv4Endpoint], udp: [IPv4Endpoint], mailboxes: [Mailbox], threads: [RingThread]) {
        tcpEndpoints = tcp
        udpEndpoints = udp
        self.mailboxes = mailboxes
        self.threads = Mutex(threads)
    }

    /// Checks io_uring, binds every socket and starts the rings.
    ///
    /// - Throws: `IOError` with `.ioUringUnavailable` (naming the cause) when io_uring cannot be
    ///   used, `.systemCall` when a socket cannot be bound.
    public static func start(
        configuration: IOConfiguration = IOConfiguration(), tcp: [TCPService] = [],
        udp: [UDPService] = [], logger: Logger
    ) throws(IOError) -> IORuntime {
        try IOUringAvailability.check()
        let setups = try RingSetup.bind(
            rings: configuration.rings, tcp: tcp, udp: udp,
            queuedMax: configuration.limits.pendingDatagramsMax)
        var threads: [RingThread] = []
        for (index, setup) in setups.enumerated() {
            do {
                threads.append(
                    try RingThread.start(
                        index: index, setup: setup, configuration: configuration,
                        logger: logger))
            } catch {
                for thread in threads { thread.mailbox.post(.shutdown) }
                for thread in threads { thread.join() }
                setups[index...].forEach { $0.closeAll() }
                throw error
            }
        }
        logger.info(
            "io_uring data plane started",
            metadata: [
                "kiban.io.rings": "\(configuration.rings)",
                "kiban.io.tcp": "\(setups.first?.tcp.map(\.endpoint.description) ?? [])",
                "kiban.io.udp": "\(setups.first?.udp.map(\.endpoint.description) ?? [])",
            ])
        return IORuntime(
            tcp: setups.first?.tcp.map(\.endpoint) ?? [],
            udp: setups.first?.udp.map(\.endpoint) ?? [],
            mailboxes: setups.map(\.mailbox), threads: threads)
    }

    /// Stops accepting, lets in-flight responses finish (up to `drainTimeoutMilliseconds`),
    /// closes every socket and waits for the ring threads to exit. Safe to call more than once.
    public func shutdown() {
        let running = threads.withLock { threads in
            defer { threads.removeAll() }
            return threads
        }
        for mailbox in mailboxes { mailbox.post(.shutdown) }
        for thread in running { thread.join() }
    }
}

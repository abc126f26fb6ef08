public import CoreMetrics
import Glibc
public import KibanIO
public import KibanStore
public import Logging
import Synchronization

/// The DHCPv4 server of one boot server: answers on KibanIO's rings, decides with
/// ``DHCPResponder``, and takes every address by a compare-and-swap transaction in the shared
/// store **before** replying, so that boot servers answering the same clients never hand one
/// address to two machines (docs/dhcp.md).
///
/// ```swift
/// let dhcp = DHCPServer(store: store, configuration: DHCPServerConfiguration(pool: ipam.pool), logger: logger)
/// try await dhcp.start()                     // lists the leases, then follows a watch
/// let runtime = try IORuntime.start(udp: [dhcp.service(at: .any(port: 67), device: "eth0")], logger: logger)
/// // …
/// runtime.shutdown(); dhcp.stop()
/// ```
public final class DHCPServer: Sendable {
    let store: Store
    let configurationState: Mutex<DHCPServerConfiguration>
    let logger: Logger
    let view = Mutex(LeaseView())
    let countersState = Mutex(DHCPCounters())
    let watchTask = Mutex<Task<Void, Never>?>(nil)
    let commitQueue = Mutex(CommitQueue())
    /// Boot files by local address, built once per address (``DHCPServerConfiguration/bootHTTPPort``).
    let bootCache = Mutex<[UInt32: BootFiles]>([:])
    /// The offer limits' buckets (``DHCPAdmission``).
    let limiter = Mutex(OfferLimiter())
    /// `kiban_dhcp_commit_duration_seconds`: one batch's store transaction.
    let commitTimer: Timer

    /// Creates a server over `store`; call ``start()`` before serving. Commit latencies go to
    /// `metrics` (the daemon's registry; nowhere by default).
    public init(
        store: Store, configuration: DHCPServerConfiguration, logger: Logger,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.store = store
        commitTimer = Timer(label: "kiban_dhcp_commit_duration_seconds", factory: metrics)
        self.configurationState = Mutex(configuration)
        self.logger = logger
    }

    /// Loads the current leases and keeps them current from a store watch until ``stop()``.
    /// - Throws: `StoreError` when the first listing fails (no quorum yet: retry).
    public func start() async throws(StoreError) {
        let revision = try await load()
        let task = Task { [self] in await follow(after: revision) }
        watchTask.withLock { $0 = task }
    }

    /// Stops following the store. Commits in flight finish; their replies are still sent if the
    /// ring runs.
    public func stop() {
        watchTask.withLock {
            $0?.cancel()
            $0 = nil
        }
    }

    /// The UDP service to hand to `IORuntime.start`: port 67 on `endpoint` (a boot server's
    /// address, or any address with `device` set to serve one L2 segment directly).
    public func service(at endpoint: IPv4Endpoint, device: String? = nil) -> UDPService {
        var service = UDPService(endpoint: endpoint, device: device, broadcast: true) { [self] datagram, replier in
            handle(datagram, replier)
            return nil
        }
        service.receiveBufferBytes = configuration.receiveBufferBytes
        return service
    }

    /// What the server serves now.
    public var configuration: DHCPServerConfiguration { configurationState.withLock { $0 } }

    /// Changes what the server serves (lease pools, lease time, options), effective from the
    /// next request; leases already granted keep their expiry.
    public func update(_ body: (inout DHCPServerConfiguration) -> Void) {
        configurationState.withLock { body(&$0) }
    }

    /// What the server did so far.
    public var counters: DHCPCounters { countersState.withLock { $0 } }

    /// The leases as this server sees them now (possibly a moment behind the store).
    public var leases: [DHCPLease] { view.withLock { $0.table.all } }

    func count(_ body: (inout DHCPCounters) -> Void) {
        countersState.withLock { body(&$0) }
    }
}

/// Milliseconds of the monotonic clock (`CLOCK_MONOTONIC`).
public func monotonicMilliseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
}

/// Unix seconds from the system clock.
public func unixSeconds() -> UInt64 {
    UInt64(max(0, time(nil)))
}

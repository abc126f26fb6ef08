import CoreMetrics
import Foundation
import KibanIO
import KibanInventory
import KibanNetboot
import KibanStore
import Logging
import Synchronization

/// The daemon's DHCP server: a ``DHCPServer`` on this member's store, serving on `dhcp-port`
/// from the moment the member is in a cluster. Its lease pools follow the IPAM configuration in
/// the store and its options follow `kiban dhcp set`; boot files point at this server's HTTP
/// port on the address each request arrived on.
final class DHCPService: Sendable {
    /// The server (its leases, counters and configuration).
    let server: DHCPServer
    private let store: Store
    private let logger: Logger
    private let state = Mutex(State())

    /// What ``stop()`` ends: the background tasks and the socket.
    private struct State {
        var tasks: [Task<Void, Never>] = []
        var runtime: IORuntime?
        var stopped = false
    }

    /// Starts serving in the background: reads the settings, the IPAM configuration and the
    /// leases, then binds `dhcp-address:dhcp-port`. A failure to bind (port 67 without
    /// privilege, io_uring off) is logged and leaves the member running without DHCP.
    static func start(store: Store, config: ServerConfig, metrics: any MetricsFactory, logger: Logger) -> DHCPService {
        var configuration = DHCPServerConfiguration(pool: { _ in nil })
        configuration.bootHTTPPort = config.httpPort
        let service = DHCPService(
            server: DHCPServer(store: store, configuration: configuration, logger: logger, metrics: metrics),
            store: store, logger: logger)
        service.spawn { await service.run(config) }
        return service
    }

    private init(server: DHCPServer, store: Store, logger: Logger) {
        self.server = server
        self.store = store
        self.logger = logger
    }

    private func run(_ config: ServerConfig) async {
        spawn { await self.follow(IPAMConfig.storeKey) { self.apply(ipam: $0) } }
        spawn { await self.follow(DHCPSettings.key) { self.apply(settings: $0) } }
        while !Task.isCancelled {
            do {
                try await server.start()
                break
            } catch {
                logger.info("DHCP waits for the store", metadata: ["kiban.dhcp.error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        guard !Task.isCancelled else { return }
        spawn { await self.reclaimOnLeader() }
        let address = config.dhcpAddress
        guard let endpoint = IPv4Endpoint(address, port: UInt16(config.dhcpPort)) else {
            logger.error("dhcp-address is not an IPv4 address; DHCP is not served", metadata: ["kiban.dhcp.address": "\(address)"])
            return
        }
        do {
            let r = try IORuntime.start(
                configuration: IOConfiguration(rings: 1),
                udp: [server.service(at: endpoint)], logger: logger)
            let kept = state.withLock { s in
                if !s.stopped { s.runtime = r }
                return !s.stopped
            }
            guard kept else {
                r.shutdown()
                return
            }
            logger.notice("serving DHCP", metadata: ["kiban.dhcp.endpoint": "\(endpoint)"])
        } catch {
            logger.error(
                "DHCP is not served: cannot listen on \(endpoint) (\(error)); port 67 needs root or CAP_NET_BIND_SERVICE, or set dhcp-port",
                metadata: ["kiban.dhcp.endpoint": "\(endpoint)"])
        }
    }

    /// Stops serving and following the store.
    func stop() {
        let (tasks, runtime) = state.withLock { s in
            s.stopped = true
            defer {
                s.tasks = []
                s.runtime = nil
            }
            return (s.tasks, s.runtime)
        }
        for t in tasks { t.cancel() }
        runtime?.shutdown()
        server.stop()
    }

    /// Runs `body` as a task that ``stop()`` cancels (at once, if it already ran).
    private func spawn(_ body: @escaping @Sendable () async -> Void) {
        let task = Task { await body() }
        let stopped = state.withLock { s in
            if !s.stopped { s.tasks.append(task) }
            return s.stopped
        }
        if stopped { task.cancel() }
    }

    /// True once the socket is bound.
    var serving: Bool { state.withLock { $0.runtime != nil } }

    private func apply(ipam value: [UInt8]?) {
        let ipam = value.flatMap(IPAMConfig.decodeStored)
        if value != nil, ipam == nil { logger.warning("the IPAM configuration in the store is unreadable; no lease pools") }
        let pool: @Sendable (UInt32) -> LeasePool?
        if let ipam {
            pool = { ipam.rackLeaseRange(for: $0).map { LeasePool(range: $0.addresses, prefixLength: $0.prefixLength, router: $0.router) } }
        } else {
            pool = { _ in nil }
        }
        server.update { $0.pool = pool }
        logger.info("DHCP lease pools follow the IPAM configuration", metadata: ["kiban.dhcp.ipam": "\(ipam != nil)"])
    }

    private func apply(settings value: [UInt8]?) {
        var settings = DHCPSettings()
        if let value {
            if let s = try? JSONDecoder().decode(DHCPSettings.self, from: Data(value)), s.problems.isEmpty {
                settings = s
            } else {
                logger.warning("the DHCP settings in the store are unreadable; serving the defaults")
            }
        }
        server.update { settings.apply(to: &$0) }
        if settings.relays.isEmpty {
            logger.warning("DHCP answers requests from any relay: list the racks' relays in kiban dhcp set (relays) so that no other host can draw addresses")
        }
    }

    /// Every `sweep-interval-seconds` (10 by default), the Raft leader deletes the leases that
    /// are over, keeping an expired bound lease `expired-retention-seconds` (one lease time by
    /// default) for its client to come back. One member sweeps so that the members do not race
    /// each other's deletes (they would only lose compares, never leases).
    /// The loop wakes every second so that a changed interval applies at once.
    private func reclaimOnLeader() async {
        let clock = ContinuousClock()
        var last = clock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let c = server.configuration
            guard clock.now - last >= .seconds(Int(c.sweepIntervalSeconds)) else { continue }
            last = clock.now
            guard await store.status.role == .leader else { continue }
            await server.reclaimExpired(now: c.now(), retentionSeconds: UInt64(c.expiredRetentionSeconds))
        }
    }

    /// Calls `apply` with the key's value now and after every change, until cancelled; a watch
    /// that ends (compaction, snapshot) is resumed from a fresh read (``StoreFollower``).
    private func follow(_ key: [UInt8], _ apply: @escaping @Sendable ([UInt8]?) -> Void) async {
        var follower = StoreFollower(store: store, range: .key(key))
        follower.ended = { [logger] error in
            logger.debug("DHCP settings watch ended; reading again", metadata: ["kiban.dhcp.error": "\(error)"])
        }
        await follower.run(listed: { apply($0.kvs.first?.value) }, changed: { apply($0.kind == .delete ? nil : $0.kv.value) })
    }
}

public import Logging
import ServiceLifecycle
import UnixSignals

/// `kiban server`'s long-running parts as one `ServiceGroup` (swift-service-lifecycle): the
/// member (store, peer transport, DHCP, HTTP boot, node API), the metrics port and the admin
/// socket. Each starts once the one before it is up, so the admin socket never answers for a
/// member that is still opening its store. On SIGTERM or SIGINT they stop in the reverse order:
/// the admin socket first (no new commands), then the metrics port, then the member, which hands
/// leadership over and lets in-flight Raft work finish before it closes the store
/// (``Daemon/shutdown()``). A service that fails stops the others, and its error is thrown.
public enum DaemonServices {
    /// Runs the daemon until SIGTERM or SIGINT. `ready` runs once every service is up (systemd's
    /// `READY=1`), `stopping` when the shutdown begins (`STOPPING=1`).
    /// - Throws: the first service's failure (``ServerError`` from opening the member or binding
    ///   the admin socket).
    public static func run(
        _ daemon: Daemon, socketPath: String, logger: Logger, ready: @escaping @Sendable () -> Void, stopping: @escaping @Sendable () -> Void
    ) async throws {
        let memberUp = StartGate()
        let metricsUp = StartGate()
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: MemberService(daemon: daemon, up: memberUp), serviceName: "member"),
            .init(service: MetricsService(daemon: daemon, after: memberUp, up: metricsUp), serviceName: "metrics"),
            .init(
                service: AdminService(daemon: daemon, socketPath: socketPath, logger: logger, after: metricsUp, ready: ready, stopping: stopping),
                serviceName: "admin"),
        ]
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The member: opens the cluster in the data directory (or waits for init or join), and shuts
/// it down gracefully.
struct MemberService: Service {
    let daemon: Daemon
    let up: StartGate

    func run() async throws {
        try await daemon.start()
        up.open()
        // Returns on graceful shutdown, or throws when the group is cancelled: stop either way.
        try? await gracefulShutdown()
        await daemon.shutdown()
    }
}

/// The metrics port and the status page. A port that cannot be bound is logged, not fatal.
struct MetricsService: Service {
    let daemon: Daemon
    let after: StartGate
    let up: StartGate

    func run() async throws {
        try await after.wait()
        await daemon.startMetricsServer()
        up.open()
        try? await gracefulShutdown()
        await daemon.stopMetricsServer()
    }
}

/// The admin socket: the last to start, the first to stop.
struct AdminService: Service {
    let daemon: Daemon
    let socketPath: String
    let logger: Logger
    let after: StartGate
    let ready: @Sendable () -> Void
    let stopping: @Sendable () -> Void

    func run() async throws {
        try await after.wait()
        let admin = try await AdminServer.start(path: socketPath, daemon: daemon, logger: logger)
        logger.notice("serving the admin API", metadata: ["kiban.server.socket": "\(socketPath)"])
        ready()
        try? await gracefulShutdown()
        logger.notice("stopping")
        stopping()
        await admin.close()
    }
}

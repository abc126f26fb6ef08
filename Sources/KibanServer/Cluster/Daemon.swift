import CoreMetrics
import Foundation
import KibanCA
import KibanInventory
public import KibanMetrics
import KibanRaft
import KibanStore
public import Logging

/// The running `kiban server`: this member's store, peer transport and peer server, once the
/// data directory holds a cluster (after `kiban init` or `kiban join`). Until then the daemon
/// serves only the admin API and waits to be told which.
public actor Daemon {
    /// A running member.
    struct Running {
        var local: LocalMember
        var store: Store
        var transport: PeerTransport
        var server: PeerServer
        var credentials: PeerCredentials
        var background: Task<Void, Never>
        var dhcp: DHCPService
        var boot: BootService?
        var inventory: InventoryService
    }

    let config: ServerConfig
    let logger: Logger
    let directory = PeerDirectory()
    var running: Running?
    /// Init or join in progress: a second one is refused instead of racing.
    var busy = false
    /// Store timing; tests shorten it through the environment (see ``ServerCommand``).
    let tickInterval: Duration
    /// How long member certificates the leader issues are valid (one year; tests shorten it).
    let memberCertificateValidity: TimeInterval
    /// The cluster's key-encryption key, once this member has one (``KeyEncryptionKey``).
    var kek: KeyEncryptionKey?
    /// This member's metrics (served on the metrics port with the status page).
    public nonisolated let metrics = MetricsRegistry()
    /// The metrics port's server, once started (``startMetricsServer()``).
    var metricsServer: MetricsServer?
    /// The node API and the health loop while a member runs (``startNodes(store:credentials:inventory:logger:)``).
    var nodes: NodeRuntime?

    /// A daemon for `config`; call ``start()``.
    public init(
        config: ServerConfig, logger: Logger, tickInterval: Duration = .milliseconds(100),
        memberCertificateValidity: Double = 365 * 86_400
    ) {
        self.config = config
        self.logger = logger
        self.tickInterval = tickInterval
        self.memberCertificateValidity = memberCertificateValidity
    }

    var memberFile: String { config.dataDir + "/member.json" }

    /// Opens the cluster if the data directory holds one; otherwise waits for init or join.
    public func start() async throws(ServerError) {
        try DataDirectory.secure(config.dataDir, logger: logger)
        guard FileManager.default.fileExists(atPath: memberFile) else {
            logger.notice(
                "no cluster in the data directory yet: run `kiban init` (first server) or `kiban join TOKEN`",
                metadata: ["kiban.server.data_dir": "\(config.dataDir)"])
            return
        }
        let local: LocalMember
        do {
            local = try JSONDecoder().decode(LocalMember.self, from: Data(contentsOf: URL(fileURLWithPath: memberFile)))
        } catch {
            throw ServerError(.config, "\(memberFile) is damaged (\(error)); restore the data directory or join again")
        }
        try await open(local, tls: try PeerTLS.load(dataDir: config.dataDir), bootstrap: nil)
    }

    /// The store, or `conflict` telling the operator to init or join first.
    func requireStore() throws(ServerError) -> Store {
        guard let running else {
            throw ServerError(.conflict, "this server is not in a cluster yet: run `kiban init` on the first server, or `kiban join TOKEN` here")
        }
        return running.store
    }

    /// Starts the store and the peer endpoint for `local`.
    func open(_ local: LocalMember, tls: PeerTLS, bootstrap: ConfState?) async throws(ServerError) {
        var options = StoreOptions(id: local.id, directory: config.dataDir, bootstrap: bootstrap)
        options.tickInterval = tickInterval
        options.snapshotEntries = config.snapshotCount
        options.metrics = metrics.factory
        var log = logger
        log[metadataKey: "kiban.server.member"] = "\(local.name)"
        kek = try? KeyEncryptionKey.load(path: KeyEncryptionKey.path(dataDir: config.dataDir))
        if kek == nil {
            log.warning(
                "this member has no key-encryption key (tls/kek): it cannot open the sealed CA key, so it cannot admit members or renew certificates while it leads; copy the file from another member (docs/pki.md)"
            )
        }
        let credentials = try PeerCredentials(tls, clusterID: local.clusterID)
        let peerMetrics = PeerMetrics(factory: metrics.factory)
        peerMetrics.register()
        AdminMetrics(factory: metrics.factory).register()
        let transport = PeerTransport(selfID: local.id, directory: directory, credentials: credentials, metrics: peerMetrics, logger: log)
        let handlers = PeerServer.Handlers(
            join: { [weak self] request in
                guard let self else { return JoinResponse(error: .unavailable, message: "the server is stopping") }
                return await self.admit(request)
            },
            forward: { [weak self] request in
                guard let self else { return ForwardResponse(error: .unavailable, message: "the server is stopping") }
                return await self.handleForwarded(request)
            },
            renew: { [weak self] request, peer in
                guard let self else { return RenewResponse(error: .unavailable, message: "the server is stopping") }
                return await self.renewCertificate(request, for: peer)
            }, kek: { [weak self] in await self?.kek },
            report: { [weak self] in
                await self?.localReport() ?? .unreachable(local.name, "the server is stopping")
            })
        let server = try await PeerServer.start(
            host: config.advertiseAddress, port: config.peerPort, credentials: credentials, directory: directory,
            inbox: transport.inbox, spool: config.dataDir, handlers: handlers, blobs: blobSender,
            metrics: peerMetrics, logger: log)
        let store: Store
        do {
            store = try await Store.open(options, transport: transport, logger: log)
        } catch {
            await server.close()
            transport.close()
            throw ServerError(.config, "cannot open the store in \(config.dataDir): \(error)")
        }
        let factory = metrics.factory
        for outcome in ["succeeded", "failed"] {
            Counter(label: "kiban_raft_snapshot_sends_total", dimensions: [("outcome", outcome)], factory: factory).increment(by: 0)
        }
        transport.reportSnapshots { [weak store] id, succeeded in
            Counter(
                label: "kiban_raft_snapshot_sends_total", dimensions: [("outcome", succeeded ? "succeeded" : "failed")],
                factory: factory
            ).increment()
            guard let store else { return }
            Task { await store.reportSnapshot(to: id, succeeded: succeeded) }
        }
        // Peers are checked against this list from the first connection on.
        if let records = try? await memberRecords(store, consistency: .serializable), !records.isEmpty {
            directory.replace(records)
        }
        let replicator = makeBlobReplicator(local, store: store, credentials: credentials, logger: log)
        let background = Task { [weak self] in
            guard let self else { return }
            async let blobs: Void = replicator.run()
            await self.maintain()
            await blobs
        }
        running = Running(
            local: local, store: store, transport: transport, server: server, credentials: credentials, background: background,
            dhcp: DHCPService.start(store: store, config: config, metrics: metrics.factory, logger: log),
            boot: startBoot(store, logger: log),
            inventory: inventoryService(store, member: local.name))
        await startNodes(store: store, credentials: credentials, inventory: inventoryService(store, member: local.name), logger: log)
        log.notice(
            "member running",
            metadata: [
                "kiban.server.cluster": "\(local.clusterID)",
                "kiban.server.id": "\(String(local.id, radix: 16))",
                "kiban.server.peer_endpoint": "\(config.peerEndpoint)",
            ])
    }

    /// Stops serving. A leader first hands leadership to the most up-to-date voter, so the
    /// cluster does not wait an election timeout.
    public func shutdown() async {
        await metricsServer?.close()
        metricsServer = nil
        await stopNodes()
        guard let r = running else { return }
        running = nil
        let status = await r.store.status
        if status.role == .leader, status.conf.voters.count > 1 {
            let matches = await r.store.matchIndexes
            let target = status.conf.voters.filter { $0 != status.id }.max { (matches[$0] ?? 0) < (matches[$1] ?? 0) }
            if let target {
                do {
                    try await r.store.transferLeadership(to: target)
                    logger.notice("handed leadership over before stopping", metadata: ["kiban.server.peer": "\(String(target, radix: 16))"])
                } catch {
                    logger.warning("could not hand leadership over", metadata: ["kiban.server.error": "\(error)"])
                }
            }
        }
        r.background.cancel()
        r.dhcp.stop()
        r.boot?.stop()
        await r.store.stop()
        await r.server.close()
        r.transport.close()
    }
}

import Foundation
import KibanMetrics
import KibanNetboot
import KibanStore

/// The metrics port: the exposition and the status page (docs/metrics.md).
extension Daemon {
    /// Serves `metrics-address:metrics-port` until ``shutdown()``. A port that cannot be bound is
    /// logged, and the member runs without it (like the DHCP and boot ports).
    public func startMetricsServer() async {
        let content = MetricsServer.Content(
            metrics: { [weak self] in await self?.exposition() ?? "" },
            statusPage: { [weak self] in await self?.statusPageHTML() ?? "" })
        do {
            metricsServer = try await MetricsServer.start(host: config.metricsAddress, port: config.metricsPort, content: content, logger: logger)
            logger.notice(
                "serving metrics and the status page",
                metadata: ["kiban.metrics.endpoint": "\(config.metricsAddress):\(config.metricsPort)"])
        } catch {
            logger.error(
                "cannot serve metrics on this port; free it or set metrics-port in kiban.yaml, then restart",
                metadata: [
                    "kiban.metrics.endpoint": "\(config.metricsAddress):\(config.metricsPort)",
                    "kiban.metrics.error": "\(error)",
                ])
        }
    }

    /// Closes the metrics port (``DaemonServices``' metrics service, on shutdown).
    func stopMetricsServer() async {
        await metricsServer?.close()
        metricsServer = nil
    }

    /// The Prometheus text after refreshing every value computed at scrape time.
    func exposition() async -> String {
        if let r = running {
            await recordRaft(r)
            recordDHCP(r.dhcp)
            if let boot = r.boot { recordBoot(boot.server) }
            recordFiles()
            await recordCluster(r)
        }
        return metrics.exposition()
    }

    private func recordRaft(_ r: Running) async {
        let s = await r.store.status
        metrics.gauge("kiban_raft_term", [], Double(s.term))
        metrics.gauge("kiban_raft_is_leader", [], s.role == .leader ? 1 : 0)
        metrics.gauge("kiban_raft_has_leader", [], s.leader != 0 ? 1 : 0)
        metrics.gauge("kiban_raft_commit_index", [], Double(s.commitIndex))
        metrics.gauge("kiban_raft_applied_index", [], Double(s.appliedIndex))
        metrics.gauge("kiban_raft_members", [("role", "voter")], Double(s.conf.voters.count))
        metrics.gauge("kiban_raft_members", [("role", "learner")], Double(s.conf.learners.count))
        metrics.gauge("kiban_store_revision", [], Double(s.revision))
        metrics.gauge("kiban_store_watches", [], Double(await r.store.watchCount))
        for (name, days) in await memberInfos(r.store).compactMap({ m in m.certificateDaysLeft.map { (m.name, $0) } }) {
            metrics.gauge("kiban_peer_certificate_days_left", [("member", name)], Double(days))
        }
    }

    private func recordDHCP(_ dhcp: DHCPService) {
        let c = dhcp.server.counters
        metrics.gauge("kiban_dhcp_serving", [], dhcp.serving ? 1 : 0)
        metrics.mirror("kiban_dhcp_received_total", [("type", "malformed")], total: Int64(c.dropped(.malformed)))
        for type in DHCPMessageType.allCases {
            metrics.mirror("kiban_dhcp_received_total", [("type", "\(type)")], total: Int64(c.receivedByType["\(type)"] ?? 0))
        }
        metrics.mirror("kiban_dhcp_received_total", [("type", "none")], total: Int64(c.receivedByType["none"] ?? 0))
        for type in ["offer", "ack", "nak"] {
            metrics.mirror("kiban_dhcp_replies_total", [("type", type)], total: Int64(c.replied[type] ?? 0))
        }
        for reason in DHCPCounters.DropReason.allCases {
            metrics.mirror("kiban_dhcp_dropped_total", [("reason", reason.rawValue)], total: Int64(c.dropped(reason)))
        }
        metrics.mirror("kiban_dhcp_lease_commits_total", total: Int64(c.committed))
        metrics.mirror("kiban_dhcp_commit_transactions_total", total: Int64(c.transactions))
        metrics.mirror("kiban_dhcp_leases_reclaimed_total", total: Int64(c.reclaimed))
    }

    private func recordBoot(_ boot: BootServer) {
        let http = boot.http.counters
        for (code, count) in http.responsesByStatus {
            metrics.mirror("kiban_http_requests_total", [("code", "\(code)")], total: Int64(count))
        }
        metrics.mirror("kiban_http_sent_bytes_total", total: http.bytesSent)
        metrics.gauge("kiban_http_open_connections", [], Double(http.openConnections))
        let tftp = boot.tftp.transferCounts
        metrics.mirror("kiban_tftp_transfers_total", [("outcome", "completed")], total: Int64(tftp.completed))
        metrics.mirror("kiban_tftp_transfers_total", [("outcome", "abandoned")], total: Int64(tftp.abandoned))
        metrics.gauge("kiban_tftp_active_transfers", [], Double(max(0, tftp.started - tftp.completed - tftp.abandoned)))
    }

    /// raft.db and state.db with their WAL files; the blobs held.
    private func recordFiles() {
        for db in ["raft", "state"] {
            let base = config.dataDir + "/\(db).db"
            let bytes = [base, base + "-wal"].reduce(UInt64(0)) { $0 + Self.fileSize($1) }
            metrics.gauge("kiban_store_db_size_bytes", [("db", db)], Double(bytes))
        }
    }

    static func fileSize(_ path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.uint64Value ?? 0
    }

    /// Blobs, machines and DHCP pools, from local (serializable) reads of the store.
    private func recordCluster(_ r: Running) async {
        let held = blobDirectory.entries()
        metrics.gauge("kiban_blobs", [], Double(held.count))
        metrics.gauge("kiban_blob_bytes", [], Double(held.reduce(UInt64(0)) { $0 + $1.size }))
        if let catalog = try? await r.store.catalog(consistency: .serializable) {
            let have = Set(held.map(\.sha256))
            let missing = catalog.blobs.values.filter { !have.contains($0.sha256) }
            metrics.gauge("kiban_blob_missing", [], Double(missing.count))
            metrics.gauge("kiban_blob_missing_bytes", [], Double(missing.reduce(UInt64(0)) { $0 + $1.size }))
        }
        guard let view = try? await clusterView(r) else { return }
        for (key, count) in view.machineCounts {
            metrics.gauge("kiban_machines", [("rack", "\(key.rack)"), ("role", key.role), ("state", key.state)], Double(count))
        }
        for pool in view.pools {
            metrics.gauge("kiban_dhcp_pool_addresses", [("rack", "\(pool.rack)")], Double(pool.addresses))
            for (state, count) in pool.leases {
                metrics.gauge("kiban_dhcp_pool_leases", [("rack", "\(pool.rack)"), ("state", state)], Double(count))
            }
        }
    }
}

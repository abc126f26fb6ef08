/// Every metric family a member exports (docs/metrics.md lists the same; a test checks both
/// against a live scrape). Names follow Prometheus' conventions: the `kiban_` prefix, base
/// units in the name (`_seconds`, `_bytes`), `_total` on counters, labels with a bounded set
/// of values (no serials, addresses or keys).
public enum MetricCatalog {
    /// The families, by subsystem.
    public static let families: [MetricFamily] = raft + store + peers + dhcp + boot + blobs + inventory + admin

    static let raft: [MetricFamily] = [
        MetricFamily("kiban_raft_term", .gauge, "The current Raft term."),
        MetricFamily("kiban_raft_is_leader", .gauge, "1 while this member leads, else 0."),
        MetricFamily("kiban_raft_has_leader", .gauge, "1 while this member knows a leader, else 0."),
        MetricFamily("kiban_raft_leader_changes_total", .counter, "Times the leader this member knows changed."),
        MetricFamily("kiban_raft_commit_index", .gauge, "The highest log index this member knows committed."),
        MetricFamily("kiban_raft_applied_index", .gauge, "The log index whose effects are in state.db."),
        MetricFamily("kiban_raft_members", .gauge, ["role"], "Members in the configuration, by role (voter, learner)."),
        MetricFamily("kiban_raft_proposals_total", .counter, ["outcome"], "Proposals made on this member, by outcome (applied, failed)."),
        MetricFamily("kiban_raft_fsync_duration_seconds", .histogram, "Time to write and sync one batch of log entries and hard state to raft.db."),
        MetricFamily("kiban_raft_batch_entries", .histogram, "Log entries written per raft.db transaction (group commit)."),
        MetricFamily("kiban_raft_snapshot_sends_total", .counter, ["outcome"], "Snapshots sent to followers, by outcome (succeeded, failed)."),
    ]

    static let store: [MetricFamily] = [
        MetricFamily(
            "kiban_store_requests_total", .counter, ["op", "outcome"], "Store requests made on this member, by operation and outcome (ok or the error code)."),
        MetricFamily("kiban_store_request_duration_seconds", .histogram, ["op"], "Store request latency, by operation."),
        MetricFamily("kiban_store_watches", .gauge, "Watches open on this member's store."),
        MetricFamily("kiban_store_revision", .gauge, "The store revision this member applied."),
        MetricFamily("kiban_store_db_size_bytes", .gauge, ["db"], "Size of raft.db and state.db (with their WAL files)."),
    ]

    static let peers: [MetricFamily] = [
        MetricFamily("kiban_peer_connected", .gauge, ["peer"], "1 while this member's Raft connection to the peer is up, else 0."),
        MetricFamily("kiban_peer_sent_bytes_total", .counter, ["peer"], "Raft message bytes sent to the peer."),
        MetricFamily("kiban_peer_received_bytes_total", .counter, ["peer"], "Raft message bytes received from the peer."),
        MetricFamily("kiban_peer_tls_handshake_failures_total", .counter, ["direction"], "Peer TLS handshakes that failed, by direction (inbound, outbound)."),
        MetricFamily(
            "kiban_peer_certificate_days_left", .gauge, ["member"], "Whole days until the member's certificate expires (renewed at two thirds of its life)."),
    ]

    static let dhcp: [MetricFamily] = [
        MetricFamily("kiban_dhcp_received_total", .counter, ["type"], "DHCP datagrams received, by message type (discover, request, …; malformed)."),
        MetricFamily("kiban_dhcp_replies_total", .counter, ["type"], "DHCP replies sent, by message type (offer, ack, nak)."),
        MetricFamily("kiban_dhcp_dropped_total", .counter, ["reason"], "DHCP requests left without a reply, by reason."),
        MetricFamily("kiban_dhcp_lease_commits_total", .counter, "Lease changes committed to the store by this member."),
        MetricFamily("kiban_dhcp_commit_transactions_total", .counter, "Store transactions that carried lease changes (each a batch)."),
        MetricFamily("kiban_dhcp_leases_reclaimed_total", .counter, "Expired leases this member deleted from the store."),
        MetricFamily("kiban_dhcp_commit_duration_seconds", .histogram, "Time to commit one batch of lease changes to the store."),
        MetricFamily("kiban_dhcp_serving", .gauge, "1 while the DHCP socket is bound, else 0."),
        MetricFamily("kiban_dhcp_pool_addresses", .gauge, ["rack"], "Addresses in the rack's lease range (from IPAM)."),
        MetricFamily("kiban_dhcp_pool_leases", .gauge, ["rack", "state"], "Unexpired leases in the rack's range, by state (offered, bound, declined)."),
    ]

    static let boot: [MetricFamily] = [
        MetricFamily("kiban_http_requests_total", .counter, ["code"], "Boot HTTP responses, by status code."),
        MetricFamily("kiban_http_sent_bytes_total", .counter, "Boot HTTP response bytes queued for sending."),
        MetricFamily("kiban_http_open_connections", .gauge, "Boot HTTP connections open now."),
        MetricFamily("kiban_tftp_transfers_total", .counter, ["outcome"], "TFTP transfers that ended, by outcome (completed, abandoned)."),
        MetricFamily("kiban_tftp_active_transfers", .gauge, "TFTP transfers in progress."),
    ]

    static let blobs: [MetricFamily] = [
        MetricFamily("kiban_blob_bytes", .gauge, "Bytes of blobs (image and asset files) this member holds."),
        MetricFamily("kiban_blobs", .gauge, "Blobs this member holds."),
        MetricFamily("kiban_blob_missing", .gauge, "Blobs the catalog lists that this member does not hold yet (replication lag)."),
        MetricFamily("kiban_blob_missing_bytes", .gauge, "Bytes of the blobs this member does not hold yet."),
    ]

    static let inventory: [MetricFamily] = [
        MetricFamily("kiban_machines", .gauge, ["rack", "role", "state"], "Machines in the inventory, by rack, role and lifecycle state.")
    ]

    static let admin: [MetricFamily] = [
        MetricFamily(
            "kiban_admin_requests_total", .counter, ["resource", "code"], "Admin API requests on this member, by resource (/v1/RESOURCE) and status code."),
        MetricFamily(
            "kiban_audit_records_total", .counter,
            "Audit entries this member's daemon added to its own changes (membership, tokens, catalog, kv, backups; inventory and PKI entries are in the log, not counted here)."
        ),
        MetricFamily("kiban_pki_certificates_issued_total", .counter, "Certificates this member issued (CSR signing and issuance)."),
        MetricFamily("kiban_pki_certificates_revoked_total", .counter, "Certificates this member revoked."),
    ]

    private static let byName = Dictionary(uniqueKeysWithValues: families.map { ($0.name, $0) })

    /// The family named `name`, if Kiban exports it.
    public static func family(_ name: String) -> MetricFamily? { byName[name] }

    /// Latency buckets for every duration histogram without its own (0.5 ms to 10 s).
    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(10),
    ]

    /// fsync is finer at the low end: an SSD syncs in well under a millisecond.
    static let durationBuckets: [String: [Duration]] = [
        "kiban_raft_fsync_duration_seconds": [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
    ]

    /// Powers of two for batch sizes.
    static let valueBuckets: [String: [Double]] = [
        "kiban_raft_batch_entries": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    ]
}

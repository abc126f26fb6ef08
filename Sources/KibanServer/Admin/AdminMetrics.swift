import CoreMetrics

/// What the admin API records (docs/metrics.md): requests by resource and status, audit
/// records written, certificates issued and revoked.
struct AdminMetrics {
    let factory: any MetricsFactory

    /// Resources named in labels; any other path counts as `other`, so a client cannot grow the
    /// label set.
    static let resources: Set<String> = [
        "status", "init", "join", "tokens", "members", "audit", "kv", "compact", "txn", "dhcp", "images", "image-settings",
        "assets", "templates", "kernel-params", "role-images", "image-kernel-params", "machines", "ipam", "ca", "pki",
        "logs", "snapshot", "backup", "watch",
    ]

    /// One answered request for `path` (`/v1/RESOURCE/…`).
    func request(path: String, status: Int) {
        let segments = path.split(separator: "/")
        let name = segments.count >= 2 && segments[0] == "v1" ? String(segments[1]) : ""
        let resource = Self.resources.contains(name) ? name : "other"
        Counter(label: "kiban_admin_requests_total", dimensions: [("resource", resource), ("code", "\(status)")], factory: factory).increment()
    }

    /// An audit record written.
    func audited() { Counter(label: "kiban_audit_records_total", factory: factory).increment() }

    /// A certificate issued, or revoked.
    func certificate(issued: Bool) {
        Counter(label: issued ? "kiban_pki_certificates_issued_total" : "kiban_pki_certificates_revoked_total", factory: factory).increment()
    }

    /// Creates the counters at zero, so the families exist before the first event.
    func register() {
        Counter(label: "kiban_audit_records_total", factory: factory).increment(by: 0)
        Counter(label: "kiban_pki_certificates_issued_total", factory: factory).increment(by: 0)
        Counter(label: "kiban_pki_certificates_revoked_total", factory: factory).increment(by: 0)
    }
}

import CoreMetrics
import NIOSSL

/// What the peer transport records (docs/metrics.md): Raft bytes each way per peer, whether
/// each outgoing Raft connection is up, and failed TLS handshakes. Peers are labelled by member
/// name, a set as small as the cluster.
struct PeerMetrics: Sendable {
    let factory: any MetricsFactory

    /// Records nothing (tests of the peer server alone).
    static let none = PeerMetrics(factory: NOOPMetricsHandler.instance)

    /// `bytes` of Raft messages sent to `peer`.
    func sent(_ bytes: Int, to peer: String) {
        Counter(label: "kiban_peer_sent_bytes_total", dimensions: [("peer", peer)], factory: factory).increment(by: Int64(bytes))
    }

    /// `bytes` of Raft messages received from `peer`.
    func received(_ bytes: Int, from peer: String) {
        Counter(label: "kiban_peer_received_bytes_total", dimensions: [("peer", peer)], factory: factory).increment(by: Int64(bytes))
    }

    /// The outgoing Raft connection to `peer` went up or down.
    func connected(_ up: Bool, to peer: String) {
        Gauge(label: "kiban_peer_connected", dimensions: [("peer", peer)], factory: factory).record(up ? 1 : 0)
    }

    /// Counts `error` when it is a TLS failure (a handshake refused or broken).
    func failed(_ error: any Error, direction: String) {
        guard error is NIOSSLError || error is BoringSSLError else { return }
        Counter(label: "kiban_peer_tls_handshake_failures_total", dimensions: [("direction", direction)], factory: factory).increment()
    }

    /// Creates both directions' handshake failure counters at zero, so the family exists before any failure.
    func register() {
        for direction in ["inbound", "outbound"] {
            Counter(label: "kiban_peer_tls_handshake_failures_total", dimensions: [("direction", direction)], factory: factory).increment(by: 0)
        }
    }
}

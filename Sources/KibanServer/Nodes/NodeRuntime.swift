import Foundation
import KibanNodes
import NIOSSL
import Synchronization

/// What the node subsystem runs on a member: the node API listener, the health monitor (a
/// ledger while this member leads) and the loop that applies health and publishes this
/// member's node API endpoint.
struct NodeRuntime: Sendable {
    var api: NodeAPIServer?
    var monitor: HealthMonitor
    var loop: Task<Void, Never>
}

/// The node API's TLS server context: this member's certificate, the cluster CA as the only
/// trust root for client certificates (optional at the TLS layer: enrollment has none). Made
/// again when the member certificate is renewed.
final class NodeTLS: Sendable {
    private let credentials: PeerCredentials
    private let cached = Mutex<(certificatePEM: String, context: NIOSSLContext)?>(nil)

    init(credentials: PeerCredentials) { self.credentials = credentials }

    /// The context for the member's current certificate; nil when the files are unusable.
    var context: NIOSSLContext? {
        let tls = credentials.tls
        if let hit = cached.withLock({ $0 }), hit.certificatePEM == tls.certificatePEM { return hit.context }
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(tls.certificatePEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.keyPEM.utf8), format: .pem)))
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(tls.caPEM.utf8)))
            configuration.certificateVerification = .optionalVerification
            configuration.minimumTLSVersion = .tlsv13
            let context = try NIOSSLContext(configuration: configuration)
            cached.withLock { $0 = (tls.certificatePEM, context) }
            return context
        } catch {
            return nil
        }
    }
}

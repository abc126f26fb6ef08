import Foundation
import KibanCA
import NIOCore
import NIOSSL

/// The joining server's side of `kiban join`. The order is the security property: the CA
/// certificate is fetched (public), its fingerprint compared with the token's, and only over a
/// second connection that TLS verifies against **that** CA does the secret leave this host.
/// Exactly one certificate is accepted and re-encoded from the pinned DER: a bundle that adds
/// an attacker's CA beside the real one is refused (``JoinToken/pinCA(presentedPEM:)``).
enum JoinClient {
    /// Asks the member at `endpoint` to admit this server.
    /// - Throws: ``ServerError`` `forbidden` when the CA does not match the token (nothing
    ///   secret was sent), `unavailable` when the member cannot be reached.
    static func join(endpoint: String, token: JoinToken, request: JoinRequest) async throws(ServerError) -> (JoinResponse, String) {
        let presented = try await fetchCA(endpoint: endpoint)
        let caPEM: String
        do {
            caPEM = try token.pinCA(presentedPEM: presented).pem
        } catch  where error.code == .wrongSecret {
            throw ServerError(
                .forbidden,
                "the server at \(endpoint) belongs to another cluster (\(error.message)); nothing secret was sent. Check the address, or get a token from the right cluster"
            )
        } catch {
            throw ServerError(.forbidden, "the server at \(endpoint) presented an unacceptable CA (\(error.message)); nothing secret was sent")
        }
        let context: NIOSSLContext
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
            tls.certificateVerification = .noHostnameVerification
            tls.minimumTLSVersion = .tlsv13
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw ServerError(.internal, "cannot set up TLS for joining: \(error)")
        }
        let body: Data
        do { body = try JSONEncoder().encode(request) } catch { throw ServerError(.internal, "\(error)") }
        let reply = try await exchange(
            endpoint: endpoint, context: context, expect: .anyMember(cluster: token.clusterID),
            frames: [PeerHello(purpose: .join).encoded, ByteBuffer(bytes: body)])
        do {
            return (try JSONDecoder().decode(JoinResponse.self, from: Data(reply.readableBytesView)), caPEM)
        } catch {
            throw ServerError(.unavailable, "the server at \(endpoint) answered the join with something unreadable: \(error)")
        }
    }

    /// The CA certificate a member presents. Unverified on purpose: the caller checks it
    /// against the token's fingerprint.
    static func fetchCA(endpoint: String) async throws(ServerError) -> String {
        let context: NIOSSLContext
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            tls.minimumTLSVersion = .tlsv13
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw ServerError(.internal, "cannot set up TLS for joining: \(error)")
        }
        let reply = try await exchange(endpoint: endpoint, context: context, expect: nil, frames: [PeerHello(purpose: .caCertificate).encoded])
        return String(decoding: reply.readableBytesView, as: UTF8.self)
    }

    /// Connects, writes `frames`, returns the first frame answered.
    static func exchange(
        endpoint: String, context: NIOSSLContext, expect: PeerExpectation?,
        frames: [ByteBuffer], deadline: TimeAmount? = nil
    ) async throws(ServerError) -> ByteBuffer {
        try await PeerConnection.with(endpoint: endpoint, context: context, expect: expect, deadline: deadline) { inbound, outbound in
            try await outbound.write(contentsOf: frames)
            var it = inbound.makeAsyncIterator()
            guard let reply = try await it.next() else {
                throw ServerError(.unavailable, "the server at \(endpoint) closed the connection without answering")
            }
            return reply
        }
    }
}

import Foundation
import KibanCA
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The agent's side of the node API: one HTTPS request per connection, to one member. The
/// server must present a certificate from the pinned cluster CA that names a member of the
/// token's cluster; the agent presents its node certificate once it has one.
struct NodeAPIClient: Sendable {
    /// The TLS context (trust: the pinned cluster CA only; identity: the node certificate).
    let context: NIOSSLContext
    /// Whom the server must be.
    let expect: PeerExpectation?
    /// The longest one exchange may take.
    static let exchangeTimeout = TimeAmount.seconds(10)
    /// The largest answer read (a page of operations carries up to 4 MiB of files in base64).
    static let answerBytesMax = 8 << 20

    /// A client trusting only `caPEM` and checking that servers belong to `clusterID` (any
    /// server certificate from that CA when nil),
    /// presenting `certificatePEM` (with the issuer `chainPEM`) and `keyPEM` when given.
    /// - Throws: ``ServerError`` `config` when the PEM is unusable.
    init(caPEM: String, clusterID: String?, certificatePEM: String? = nil, chainPEM: [String] = [], keyPEM: String? = nil) throws(ServerError) {
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
            tls.certificateVerification = .noHostnameVerification
            tls.minimumTLSVersion = .tlsv13
            if let certificatePEM, let keyPEM {
                tls.certificateChain = try ([certificatePEM] + chainPEM).flatMap { try NIOSSLCertificate.fromPEMBytes(Array($0.utf8)) }.map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
            }
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw ServerError(.config, "the agent's TLS files are unusable: \(error)")
        }
        expect = clusterID.map { PeerExpectation.anyMember(cluster: $0) } ?? PeerExpectation.pinnedCA
    }

    private init(unverified context: NIOSSLContext) {
        self.context = context
        expect = nil
    }

    /// The CA certificate the member at `endpoint` serves. Unverified on purpose: the caller
    /// pins it against the token's fingerprint before sending anything secret.
    static func fetchCA(endpoint: String) async throws(ServerError) -> String {
        let client: NodeAPIClient
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            tls.minimumTLSVersion = .tlsv13
            client = NodeAPIClient(unverified: try NIOSSLContext(configuration: tls))
        } catch {
            throw ServerError(.internal, "cannot set up TLS: \(error)")
        }
        let (status, body) = try await client.request(endpoint: endpoint, method: .GET, path: "/v1/ca", body: nil)
        guard status == .ok, let answer = try? JSONDecoder().decode([String: String].self, from: Data(body)), let ca = answer["ca"] else {
            throw ServerError(.unavailable, "the member at \(endpoint) did not serve its CA (HTTP \(status.code))")
        }
        return ca
    }

    /// Sends one request; returns the status and the body.
    /// - Throws: ``ServerError`` `unavailable` when the member cannot be reached or the
    ///   exchange breaks, `forbidden` when it is not a member of the cluster.
    func request(endpoint: String, method: HTTPMethod, path: String, body: [UInt8]?) async throws(ServerError) -> (HTTPResponseStatus, [UInt8]) {
        let (host, port) = try PeerEndpoint.split(endpoint)
        let context = self.context
        let expect = self.expect
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(3))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(expect.map { try $0.clientHandler(context) } ?? NIOSSLClientHandler(context: context, serverHostname: nil))
                        try sync.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
            let timer = channel.channel.eventLoop.scheduleTask(in: Self.exchangeTimeout) { channel.channel.close(promise: nil) }
            defer { timer.cancel() }
            return try await channel.executeThenClose { inbound, outbound in
                var headers = HTTPHeaders([("Host", host), ("Content-Type", "application/json"), ("Connection", "close")])
                headers.add(name: "Content-Length", value: "\(body?.count ?? 0)")
                try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)))
                if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                try await outbound.write(.end(nil))
                var status = HTTPResponseStatus.internalServerError
                var answer: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let h): status = h.status
                    case .body(let chunk):
                        guard answer.count + chunk.readableBytes <= Self.answerBytesMax else {
                            throw ServerError(.unavailable, "the member at \(endpoint) answered more than \(Self.answerBytesMax) bytes")
                        }
                        answer += chunk.readableBytesView
                    case .end: return (status, answer)
                    }
                }
                throw ServerError(.unavailable, "the member at \(endpoint) closed the connection before answering")
            }
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.unavailable, "cannot reach \(endpoint): \(error)")
        }
    }
}

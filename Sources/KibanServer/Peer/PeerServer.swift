import Foundation
import KibanAdminAPI
import KibanCA
import KibanMetrics
import KibanRaft
import KibanStore
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Accepts peer connections on the peer port: Raft streams from members (certificate from the
/// cluster CA naming a listed member, required), and the two join steps from servers that have
/// no certificate yet (the CA certificate, then the join request itself).
final class PeerServer: Sendable {
    /// What the daemon does with the requests that need it.
    struct Handlers: Sendable {
        /// A join request (the token proves the caller).
        var join: @Sendable (JoinRequest) async -> JoinResponse
        /// A change a follower forwards to the leader.
        var forward: @Sendable (ForwardRequest) async -> ForwardResponse
        /// A member asking for a new certificate, with the identity its current one proved.
        var renew: @Sendable (RenewRequest, AuthenticatedPeer) async -> RenewResponse
        /// This member's key-encryption key, for another member that lacks it.
        var kek: @Sendable () async -> KeyEncryptionKey?
        /// This member's own view, for another member's cluster-wide status.
        var report: @Sendable () async -> MemberReport = { .unreachable("", "this server does not report") }
    }

    private let channel: any Channel
    private let task: Task<Void, Never>

    private init(channel: any Channel, task: Task<Void, Never>) {
        self.channel = channel
        self.task = task
    }

    /// Binds `host:port` and serves until ``close()``.
    static func start(
        host: String, port: Int, credentials: PeerCredentials, directory: PeerDirectory, inbox: MessageQueue,
        spool: String, handlers: Handlers, blobs: BlobSender, metrics: PeerMetrics = .none,
        logger: Logger
    ) async throws(ServerError) -> PeerServer {
        let acceptor = PeerAcceptor()
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // A refused connection is closed, never thrown: an error here would end
                        // the listener's stream of accepted connections.
                        let admitted = acceptor.admit(channel)
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(IdleStateHandler(allTimeout: PeerAcceptor.idleTimeout))
                        try sync.addHandler(CloseOnIdle())
                        try sync.addHandler(NIOSSLServerHandler(context: credentials.server))
                        try sync.addHandler(ByteToMessageHandler(FrameDecoder(accepting: true)))
                        try sync.addHandler(HelloDeadline(timeout: PeerAcceptor.helloTimeout))
                        try sync.addHandler(MessageToByteHandler(FrameEncoder()))
                        let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        if !admitted { channel.close(promise: nil) }
                        return wrapped
                    }
                }
        } catch {
            throw ServerError(.config, "cannot listen for peers on \(host):\(port): \(error); is another kiban running, or is the port in use?")
        }
        let session = PeerSession(
            credentials: credentials, directory: directory, inbox: inbox, spool: spool, handlers: handlers,
            blobs: blobs, metrics: metrics, logger: logger)
        let task = Task {
            _ = try? await server.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await child in inbound { group.addTask { await session.serve(child) } }
                    } catch {
                        logger.warning("the peer listener stopped accepting connections", metadata: ["kiban.server.error": "\(error)"])
                    }
                }
            }
        }
        return PeerServer(channel: server.channel, task: task)
    }

    /// Stops accepting; open connections end as their peers notice.
    func close() async {
        try? await channel.close().get()
        task.cancel()
    }
}

/// What one accepted connection does, by its hello.
struct PeerSession: Sendable {
    let credentials: PeerCredentials
    let directory: PeerDirectory
    let inbox: MessageQueue
    /// Where incoming snapshots are spooled (the data directory).
    let spool: String
    let handlers: PeerServer.Handlers
    let blobs: BlobSender
    let metrics: PeerMetrics
    let logger: Logger

    func serve(_ child: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            try await child.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                guard let first = try await frames.next() else { return }
                let hello = try PeerHello(first)
                switch hello.purpose {
                case .caCertificate:
                    try await outbound.write(ByteBuffer(string: credentials.tls.caPEM))
                case .join:
                    guard let frame = try await frames.next() else { return }
                    let request = try JSONDecoder().decode(JoinRequest.self, from: Data(frame.readableBytesView))
                    let response = await handlers.join(request)
                    try await outbound.write(ByteBuffer(bytes: try JSONEncoder().encode(response)))
                case .admin:
                    _ = try await authenticate(child.channel, claimed: hello.from)
                    guard let frame = try await frames.next() else { return }
                    let request = try JSONDecoder().decode(ForwardRequest.self, from: Data(frame.readableBytesView))
                    let response = await handlers.forward(request)
                    try await outbound.write(ByteBuffer(bytes: try JSONEncoder().encode(response)))
                case .snapshot:
                    _ = try await authenticate(child.channel, claimed: hello.from)
                    do {
                        let (message, chunks) = try await SnapshotStream.receive(&frames, spool: spool, from: hello.from)
                        inbox.push(message)
                        try await outbound.write(ByteBuffer(bytes: [1]))
                        logger.notice(
                            "received a snapshot",
                            metadata: [
                                "kiban.server.snapshot_index": "\(message.snapshot?.metadata.index ?? 0)",
                                "kiban.server.snapshot_bytes": "\(message.snapshot?.data.count ?? 0)",
                                "kiban.server.snapshot_chunks": "\(chunks)",
                            ])
                    } catch {
                        try? await outbound.write(ByteBuffer(bytes: [0] + Array("\(error)".utf8)))
                        throw error
                    }
                case .raft:
                    let peer = try await authenticate(child.channel, claimed: hello.from)
                    while let frame = try await frames.next() {
                        // A member removed while connected is cut off at its next message.
                        guard directory.record(hello.from)?.name == peer.name else {
                            throw ServerError(.forbidden, "member \(peer.name) was removed; closing its connection")
                        }
                        metrics.received(frame.readableBytes + FrameCodec.headerBytes, from: peer.name)
                        let m = try RaftMessageCodec.decode(Array(frame.readableBytesView))
                        guard m.from == hello.from else { throw ServerError(.forbidden, "a peer sent a message as another member") }
                        inbox.push(m)
                    }
                case .blob:
                    _ = try await authenticate(child.channel, claimed: hello.from)
                    guard let frame = try await frames.next() else { return }
                    try await blobs.send(try BlobFetchRequest(Array(frame.readableBytesView)), to: outbound)
                case .renew:
                    let peer = try await authenticate(child.channel, claimed: hello.from)
                    guard let frame = try await frames.next() else { return }
                    let request = try JSONDecoder().decode(RenewRequest.self, from: Data(frame.readableBytesView))
                    let response = await handlers.renew(request, peer)
                    try await outbound.write(ByteBuffer(bytes: try JSONEncoder().encode(response)))
                case .kek:
                    let peer = try await authenticate(child.channel, claimed: hello.from)
                    let kek = await handlers.kek()
                    logger.notice("handed the key-encryption key to a member", metadata: ["kiban.server.peer_name": "\(peer.name)"])
                    try await outbound.write(ByteBuffer(bytes: kek?.rawBytes ?? []))
                case .report:
                    _ = try await authenticate(child.channel, claimed: hello.from)
                    try await outbound.write(ByteBuffer(bytes: try JSONEncoder().encode(await handlers.report())))
                }
            }
        } catch {
            metrics.failed(error, direction: "inbound")
            logger.info("peer connection closed", metadata: ["kiban.server.error": "\(error)"])
        }
    }

    /// Every purpose but the CA fetch and the join needs a member certificate (TLS verified its
    /// chain to the cluster CA) whose URI SAN names this cluster and the claimed id, of a listed
    /// member, with a serial not on the deny list of removed members' certificates. A
    /// certificate from before URI identities passes by its common name (it is renewed at once).
    private func authenticate(_ channel: any Channel, claimed id: UInt64) async throws -> AuthenticatedPeer {
        let certificate = try await channel.nioSSL_peerCertificate().get()
        guard let certificate, let identity = PeerTLS.identity(of: certificate) else {
            throw ServerError(.forbidden, "refused a peer connection without a member certificate")
        }
        let refuse = { (reason: String) -> ServerError in
            logger.warning(
                "refused a peer",
                metadata: [
                    "kiban.server.peer": "\(String(id, radix: 16))",
                    "kiban.server.peer_name": "\(identity.name ?? "?")",
                    "kiban.server.reason": "\(reason)",
                ])
            return ServerError(.forbidden, "refused member \(String(id, radix: 16)): \(reason)")
        }
        guard let record = directory.record(id) else { throw refuse("not in the member list") }
        if let reason = credentials.expect(record).mismatch(identity) { throw refuse(reason) }
        guard !directory.isDenied(serial: identity.serial) else { throw refuse("its certificate \(identity.serial) was revoked when it was removed") }
        return AuthenticatedPeer(id: record.id, name: record.name)
    }
}

/// A peer whose certificate proved it is the listed member `id`.
struct AuthenticatedPeer: Sendable {
    var id: UInt64
    var name: String
}

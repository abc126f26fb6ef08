import Foundation
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
    typealias JoinHandler = @Sendable (JoinRequest) async -> JoinResponse
    typealias ForwardHandler = @Sendable (ForwardRequest) async -> ForwardResponse

    private let channel: any Channel
    private let task: Task<Void, Never>

    private init(channel: any Channel, task: Task<Void, Never>) {
        self.channel = channel
        self.task = task
    }

    /// Binds `host:port` and serves until ``close()``.
    static func start(host: String, port: Int, tls: PeerTLS, directory: PeerDirectory, inbox: MessageQueue,
                      spool: String, join: @escaping JoinHandler, forward: @escaping ForwardHandler, blobs: BlobSender, logger: Logger) async throws(ServerError) -> PeerServer {
        let context = try tls.serverContext()
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ServerError(.config, "cannot listen for peers on \(host):\(port): \(error); is another kiban running, or is the port in use?")
        }
        let session = PeerSession(caPEM: tls.caPEM, directory: directory, inbox: inbox, spool: spool, join: join, forward: forward, blobs: blobs, logger: logger)
        let task = Task {
            _ = try? await server.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await child in inbound { group.addTask { await session.serve(child) } }
                    } catch {
                        logger.debug("peer listener ended", metadata: ["kiban.server.error": "\(error)"])
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
    let caPEM: String
    let directory: PeerDirectory
    let inbox: MessageQueue
    /// Where incoming snapshots are spooled (the data directory).
    let spool: String
    let join: PeerServer.JoinHandler
    let forward: PeerServer.ForwardHandler
    let blobs: BlobSender
    let logger: Logger

    func serve(_ child: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            try await child.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                guard let first = try await frames.next() else { return }
                let hello = try PeerHello(first)
                switch hello.purpose {
                case .caCertificate:
                    try await outbound.write(ByteBuffer(string: caPEM))
                case .join:
                    guard let frame = try await frames.next() else { return }
                    let request = try JSONDecoder().decode(JoinRequest.self, from: Data(frame.readableBytesView))
                    let response = await join(request)
                    try await outbound.write(ByteBuffer(bytes: try JSONEncoder().encode(response)))
                case .admin:
                    _ = try await authenticate(child.channel, claimed: hello.from)
                    guard let frame = try await frames.next() else { return }
                    let request = try JSONDecoder().decode(ForwardRequest.self, from: Data(frame.readableBytesView))
                    let response = await forward(request)
                    try await outbound.write(ByteBuffer(bytes: try JSONEncoder().encode(response)))
                case .snapshot:
                    _ = try await authenticate(child.channel, claimed: hello.from)
                    do {
                        let (message, chunks) = try await SnapshotStream.receive(&frames, spool: spool, from: hello.from)
                        inbox.push(message)
                        try await outbound.write(ByteBuffer(bytes: [1]))
                        logger.notice("received a snapshot", metadata: [
                            "kiban.server.snapshot_index": "\(message.snapshot?.metadata.index ?? 0)",
                            "kiban.server.snapshot_bytes": "\(message.snapshot?.data.count ?? 0)",
                            "kiban.server.snapshot_chunks": "\(chunks)"])
                    } catch {
                        try? await outbound.write(ByteBuffer(bytes: [0] + Array("\(error)".utf8)))
                        throw error
                    }
                case .raft:
                    let name = try await authenticate(child.channel, claimed: hello.from)
                    while let frame = try await frames.next() {
                        // A member removed while connected is cut off at its next message.
                        guard directory.record(hello.from)?.name == name else {
                            throw ServerError(.forbidden, "member \(name) was removed; closing its connection")
                        }
                        let m = try RaftMessageCodec.decode(Array(frame.readableBytesView))
                        guard m.from == hello.from else { throw ServerError(.forbidden, "a peer sent a message as another member") }
                        inbox.push(m)
                    }
                case .blob:
                    _ = try await authenticate(child.channel, claimed: hello.from)
                    guard let frame = try await frames.next() else { return }
                    try await blobs.send(try BlobFetchRequest(Array(frame.readableBytesView)), to: outbound)
                }
            }
        } catch {
            logger.info("peer connection closed", metadata: ["kiban.server.error": "\(error)"])
        }
    }

    /// A Raft stream or blob transfer needs a certificate (already verified against the cluster CA by TLS) whose
    /// name is the listed member with the claimed id: a removed member is no longer listed.
    private func authenticate(_ channel: any Channel, claimed id: UInt64) async throws -> String {
        let certificate = try await channel.nioSSL_peerCertificate().get()
        guard let certificate else {
            throw ServerError(.forbidden, "refused a Raft connection without a member certificate")
        }
        let name = PeerTLS.memberName(of: certificate)
        guard let record = directory.record(id), record.name == name else {
            logger.warning("refused a peer that is not a listed member",
                           metadata: ["kiban.server.peer": "\(String(id, radix: 16))", "kiban.server.peer_name": "\(name ?? "?")"])
            throw ServerError(.forbidden, "member \(String(id, radix: 16)) (\(name ?? "?")) is not in the member list")
        }
        return record.name
    }
}

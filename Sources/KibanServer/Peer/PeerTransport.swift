import KibanRaft
import KibanStore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The network ``KibanStore/Transport``: Raft messages over TCP with mutual TLS, one persistent
/// outgoing connection per peer (``PeerLink``), incoming ones accepted by ``PeerServer``.
/// Delivery is best effort, as Raft expects: a message for an unreachable peer is dropped.
final class PeerTransport: Transport {
    let inbox = MessageQueue()
    private let links = Mutex<[UInt64: PeerLink]>([:])
    private let snapshotTransfers = Mutex<[UInt64: Task<Void, Never>]>([:])
    private let snapshotReport = Mutex<(@Sendable (UInt64, Bool) -> Void)?>(nil)
    private let directory: PeerDirectory
    private let credentials: PeerCredentials
    private let selfID: UInt64
    private let logger: Logger
    private let metrics: PeerMetrics

    init(selfID: UInt64, directory: PeerDirectory, credentials: PeerCredentials, metrics: PeerMetrics, logger: Logger) {
        self.metrics = metrics
        self.selfID = selfID
        self.directory = directory
        self.credentials = credentials
        self.logger = logger
    }

    func send(_ messages: [Message]) {
        var byPeer: [UInt64: [Message]] = [:]
        for m in messages {
            if m.kind == .snapshot {
                sendSnapshot(m)
            } else {
                byPeer[m.to, default: []].append(m)
            }
        }
        for (to, batch) in byPeer { link(to).enqueue(batch) }
    }

    /// Snapshots travel in chunks on their own connection, and their outcome goes back to
    /// Raft through ``reportSnapshots(_:)``.
    var reportsSnapshotOutcome: Bool { true }

    /// Sets where snapshot outcomes go (the store, once it is open).
    func reportSnapshots(_ report: @escaping @Sendable (UInt64, Bool) -> Void) {
        snapshotReport.withLock { $0 = report }
    }

    /// One transfer per follower at a time: a newer snapshot for a follower that is still
    /// receiving one is dropped (Raft asks again after the first one's outcome).
    private func sendSnapshot(_ m: Message) {
        guard let record = directory.record(m.to) else {
            snapshotReport.withLock { $0 }?(m.to, false)
            return
        }
        let (selfID, credentials, logger) = (selfID, credentials, logger)
        snapshotTransfers.withLock { transfers in
            guard transfers[m.to] == nil else { return }
            transfers[m.to] = Task { [weak self] in
                let ok = await SnapshotStream.send(m, to: record, from: selfID, credentials: credentials, logger: logger)
                guard let self else { return }
                _ = self.snapshotTransfers.withLock { $0.removeValue(forKey: m.to) }
                self.snapshotReport.withLock { $0 }?(m.to, ok)
            }
        }
    }

    func receive() async -> [Message]? { await inbox.pop() }

    /// Closes every link and ends ``receive()``.
    func close() {
        let all = links.withLock { l in
            defer { l = [:] }
            return Array(l.values)
        }
        for link in all { link.close() }
        let transfers = snapshotTransfers.withLock { t in
            defer { t = [:] }
            return Array(t.values)
        }
        for transfer in transfers { transfer.cancel() }
        inbox.close()
    }

    private func link(_ to: UInt64) -> PeerLink {
        links.withLock { l in
            if let existing = l[to] { return existing }
            let new = PeerLink(to: to, from: selfID, directory: directory, credentials: credentials, metrics: metrics, logger: logger)
            l[to] = new
            return new
        }
    }
}

/// One peer's outgoing connection: connects on demand, reconnects with exponential back-off
/// (50 ms doubling to 2 s), and writes each batch with one flush.
final class PeerLink: Sendable {
    private let continuation: AsyncStream<[Message]>.Continuation
    private let task: Task<Void, Never>

    init(to: UInt64, from: UInt64, directory: PeerDirectory, credentials: PeerCredentials, metrics: PeerMetrics, logger: Logger) {
        // Raft resends what is lost; while the peer is down only the newest batches are kept.
        let (stream, continuation) = AsyncStream.makeStream(of: [Message].self, bufferingPolicy: .bufferingNewest(64))
        self.continuation = continuation
        var logger = logger
        logger[metadataKey: "kiban.server.peer"] = "\(String(to, radix: 16))"
        let log = logger
        task = Task {
            var channel: (any Channel)?
            var backoff = Duration.milliseconds(50)
            for await batch in stream {
                let name = directory.record(to)?.name ?? String(to, radix: 16)
                if channel == nil {
                    do {
                        channel = try await Self.connect(to: to, from: from, directory: directory, credentials: credentials)
                        backoff = .milliseconds(50)
                        metrics.connected(true, to: name)
                    } catch {
                        metrics.connected(false, to: name)
                        metrics.failed(error, direction: "outbound")
                        log.debug("peer unreachable", metadata: ["kiban.server.error": "\(error)"])
                        try? await Task.sleep(for: backoff)
                        backoff = min(backoff * 2, .seconds(2))
                        continue
                    }
                }
                guard let c = channel else { continue }
                do {
                    let frames = batch.map { RaftMessageCodec.encode($0) }
                    for f in frames.dropLast() { c.write(ByteBuffer(bytes: f), promise: nil) }
                    if let last = frames.last { try await c.writeAndFlush(ByteBuffer(bytes: last)).get() }
                    metrics.sent(frames.reduce(0) { $0 + $1.count + FrameCodec.headerBytes }, to: name)
                } catch {
                    metrics.connected(false, to: name)
                    log.debug("peer connection lost", metadata: ["kiban.server.error": "\(error)"])
                    try? await c.close().get()
                    channel = nil
                }
            }
            try? await channel?.close().get()
        }
    }

    func enqueue(_ batch: [Message]) { continuation.yield(batch) }

    func close() {
        continuation.finish()
        task.cancel()
    }

    private static func connect(
        to: UInt64, from: UInt64, directory: PeerDirectory,
        credentials: PeerCredentials
    ) async throws -> any Channel {
        guard let record = directory.record(to) else {
            throw ServerError(.unavailable, "member \(String(to, radix: 16)) is not in the member list")
        }
        let (host, port) = try PeerEndpoint.split(record.endpoint)
        let (context, expect) = (credentials.client, credentials.expect(record))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try expect.clientHandler(context))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
                }
            }
            .connect(host: host, port: port).get()
        try await channel.writeAndFlush(PeerHello(purpose: .raft, from: from).encoded).get()
        return channel
    }
}

/// `address:port` strings.
enum PeerEndpoint {
    static func split(_ endpoint: String) throws(ServerError) -> (String, Int) {
        guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]) else {
            throw ServerError(.badRequest, "\(endpoint) is not address:port")
        }
        return (String(endpoint[..<colon]), port)
    }
}

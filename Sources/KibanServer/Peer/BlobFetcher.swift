import KibanMetrics
import KibanNetboot
import NIOCore
import NIOPosix
import NIOSSL

/// The asking side of a blob transfer: connects to a member with this member's certificate,
/// asks for the bytes after what `writer` already holds, and appends them. The caller finishes
/// (verifies) or suspends the writer.
enum BlobFetcher {
    /// A transfer that sees no bytes for this long is given up (the source hangs).
    static let idleTimeout = TimeAmount.seconds(15)

    /// How many data frames arrive between two calls of `stillWanted` (8 MiB).
    static let framesPerCheck = 32

    /// Appends the rest of `writer.expected` from the member at `endpoint`, giving up when
    /// `stillWanted` says the blob is no longer referenced.
    /// - Throws: ``ServerError`` `notFound` when that member has no copy, `unavailable` when it
    ///   cannot be reached or the transfer breaks, `conflict` when it is no longer wanted,
    ///   ``BlobError`` when the disk refuses.
    static func fetch(
        into writer: BlobWriter, from record: MemberRecord, selfID: UInt64, credentials: PeerCredentials,
        stillWanted: @Sendable () async -> Bool
    ) async throws {
        guard let blob = writer.expected else { preconditionFailure("a transfer writer knows its blob") }
        let endpoint = record.endpoint
        let (host, port) = try PeerEndpoint.split(endpoint)
        let (context, expect) = (credentials.client, credentials.expect(record))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(3))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(try expect.clientHandler(context))
                    try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try sync.addHandler(CloseOnIdle())
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try sync.addHandler(MessageToByteHandler(FrameEncoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(contentsOf: [
                PeerHello(purpose: .blob, from: selfID).encoded,
                ByteBuffer(bytes: BlobFetchRequest(sha256: blob.sha256, offset: writer.written).encoded),
            ])
            var frames = inbound.makeAsyncIterator()
            guard let first = try await frames.next() else {
                throw ServerError(.unavailable, "\(endpoint) closed the connection without answering")
            }
            let header = try BlobFetchHeader(Array(first.readableBytesView))
            switch header.status {
            case .ok: break
            case .notFound: throw ServerError(.notFound, "\(endpoint) has no copy of blob \(blob.sha256)")
            case .badOffset:
                throw ServerError(
                    .unavailable, "\(endpoint) holds blob \(blob.sha256) as \(header.size) bytes, shorter than the \(writer.written) already here")
            }
            guard header.size == blob.size else {
                throw ServerError(.unavailable, "\(endpoint) holds blob \(blob.sha256) as \(header.size) bytes, not \(blob.size)")
            }
            var count = 0
            while let frame = try await frames.next() {
                if frame.readableBytes == 0 { return }
                try frame.withUnsafeReadableBytes { bytes throws(BlobError) in try writer.write(bytes) }
                count += 1
                if count % framesPerCheck == 0, await !stillWanted() {
                    throw ServerError(.conflict, "blob \(blob.sha256) is no longer referenced; transfer stopped")
                }
            }
            throw ServerError(.unavailable, "the transfer from \(endpoint) broke off after \(writer.written) of \(blob.size) bytes")
        }
    }
}

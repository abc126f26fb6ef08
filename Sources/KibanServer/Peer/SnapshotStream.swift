import Crypto
import Foundation
import KibanRaft
import Logging
import NIOCore
import NIOSSL

/// Snapshots to lagging followers, streamed in bounded chunks over their own peer connection
/// (purpose ``PeerHello/Purpose/snapshot``), so that no frame is large and Raft's heartbeats on
/// the member's main connection are not held up behind it.
///
/// The sender writes a ``SnapshotHeader`` frame, then ``SnapshotHeader/chunkCount`` frames of
/// at most ``chunkBytesMax`` bytes each. The receiver spools them to a temporary file in the
/// data directory, checks the size and SHA-256, and only then hands the complete snapshot to
/// Raft, which installs it atomically (raft.db in one transaction, state.db by rename). It
/// answers one frame: `1` when it took the snapshot, `0` and a reason when not; the sender
/// reports that to Raft, which sends a new snapshot after a failure.
enum SnapshotStream {
    /// The largest chunk a sender writes and a receiver accepts.
    static let chunkBytesMax = 1 << 20

    /// How long a transfer of `bytes` may take before it counts as failed: 30 s, plus one
    /// second per MiB (a follower slower than 1 MiB/s gets a new snapshot later).
    static func deadline(bytes: Int) -> TimeAmount { .seconds(30 + Int64(bytes >> 20)) }

    /// Sends `message` (kind `snapshot`) to `endpoint`; returns whether the receiver took it.
    static func send(_ message: Message, to record: MemberRecord, from: UInt64, credentials: PeerCredentials, logger: Logger) async -> Bool {
        let endpoint = record.endpoint
        guard let snapshot = message.snapshot else { return false }
        let data = snapshot.data
        let header = SnapshotHeader(message: message)
        let started = ContinuousClock.now
        do {
            let reply = try await PeerConnection.with(
                endpoint: endpoint, context: credentials.client, expect: credentials.expect(record),
                deadline: deadline(bytes: data.count)
            ) { inbound, outbound in
                try await outbound.write(PeerHello(purpose: .snapshot, from: from).encoded)
                try await outbound.write(ByteBuffer(bytes: header.encoded()))
                var offset = 0
                while offset < data.count {
                    let end = min(offset + chunkBytesMax, data.count)
                    try await outbound.write(ByteBuffer(bytes: data[offset..<end]))
                    offset = end
                }
                var it = inbound.makeAsyncIterator()
                guard let answer = try await it.next() else {
                    throw ServerError(.unavailable, "the follower closed the connection without answering")
                }
                return Array(answer.readableBytesView)
            }
            guard reply.first == 1 else {
                throw ServerError(.unavailable, "the follower refused it: \(String(decoding: reply.dropFirst(), as: UTF8.self))")
            }
            logger.notice(
                "sent a snapshot",
                metadata: [
                    "kiban.server.snapshot_index": "\(snapshot.metadata.index)", "kiban.server.snapshot_bytes": "\(data.count)",
                    "kiban.server.snapshot_chunks": "\(header.chunkCount)", "kiban.server.elapsed": "\(ContinuousClock.now - started)",
                ])
            return true
        } catch {
            logger.warning(
                "sending a snapshot failed; Raft will send another",
                metadata: ["kiban.server.snapshot_index": "\(snapshot.metadata.index)", "kiban.server.error": "\(error)"])
            return false
        }
    }

    /// The largest snapshot this member receives: a quarter of its memory, at most
    /// ``SnapshotHeader/totalBytesMax``. Raft's `Snapshot` carries its data as bytes, so a
    /// received snapshot is held in memory once, whole, until it is installed; a larger one is
    /// refused at its header, before any chunk is read (docs/store.md, "Limits today").
    static var receiveBytesMax: UInt64 { min(SnapshotHeader.totalBytesMax, ProcessInfo.processInfo.physicalMemory / 4) }

    /// Reads one transfer after its hello: the header, then the chunks into a temporary file in
    /// `spool` (never more than one chunk in memory), checked, then read back into the one
    /// buffer the Raft message carries. Returns the complete message and the chunk count.
    /// - Throws: ``ServerError`` `badRequest` for a malformed, short or corrupt transfer, or
    ///   one larger than `bytesMax`; the temporary file is removed in every case.
    static func receive<Frames: AsyncIteratorProtocol>(
        _ frames: inout Frames, spool: String, from: UInt64,
        bytesMax: UInt64 = receiveBytesMax
    ) async throws -> (Message, Int)
    where Frames.Element == ByteBuffer {
        guard let first = try await frames.next() else { throw ServerError(.badRequest, "the snapshot transfer ended before its header") }
        let header: SnapshotHeader
        do { header = try SnapshotHeader(decoding: Array(first.readableBytesView)) } catch {
            throw ServerError(.badRequest, "malformed snapshot header: \(error)")
        }
        guard header.message.from == from else { throw ServerError(.forbidden, "a peer sent a snapshot as another member") }
        guard header.totalBytes <= bytesMax else {
            throw ServerError(
                .badRequest,
                "a snapshot of \(header.totalBytes) bytes is more than this member takes (\(bytesMax): a quarter of its memory, since it is held whole until installed); give the member more memory"
            )
        }
        let spooled = try await SnapshotSpool.write(&frames, header: header, spool: spool)
        defer { spooled.remove() }
        var message = header.message
        message.snapshot?.data = try spooled.readAll(header.totalBytes)
        return (message, Int(header.chunkCount))
    }
}

/// The first frame of a snapshot transfer: version (u8, 1), total bytes (u64), chunk count
/// (u32), SHA-256 of the data (32 bytes), then the Raft message (``RaftMessageCodec``) with
/// its snapshot's data left empty. A later format gets a new version number.
struct SnapshotHeader: Sendable, Hashable {
    static let version: UInt8 = 1
    /// The largest snapshot any receiver accepts; each also refuses more than a quarter of its
    /// memory (``SnapshotStream/receiveBytesMax``).
    static let totalBytesMax: UInt64 = 16 << 30

    var message: Message
    var totalBytes: UInt64
    var chunkCount: UInt32
    var sha256: [UInt8]

    /// The header for sending `message` (whose snapshot holds the data) in chunks.
    init(message: Message) {
        let data = message.snapshot?.data ?? []
        var bare = message
        bare.snapshot?.data = []
        self.message = bare
        totalBytes = UInt64(data.count)
        chunkCount = UInt32((data.count + SnapshotStream.chunkBytesMax - 1) / SnapshotStream.chunkBytesMax)
        sha256 = Array(SHA256.hash(data: data))
    }

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.u8(Self.version)
        w.u64(totalBytes)
        w.u32(chunkCount)
        w.bytes += sha256
        w.bytes += RaftMessageCodec.encode(message)
        return w.bytes
    }

    /// Parses a header frame.
    /// - Throws: ``WireError`` for truncated input, an unknown version, inconsistent sizes, or
    ///   a message that is not a snapshot.
    init(decoding bytes: [UInt8]) throws(WireError) {
        var r = WireReader(bytes)
        let v = try r.u8()
        guard v == Self.version else { throw WireError("snapshot header version \(v) is not supported (this server speaks \(Self.version))") }
        totalBytes = try r.u64()
        chunkCount = try r.u32()
        var digest: [UInt8] = []
        for _ in 0..<32 { digest.append(try r.u8()) }
        sha256 = digest
        guard totalBytes <= Self.totalBytesMax else { throw WireError("a snapshot of \(totalBytes) bytes is over the limit of \(Self.totalBytesMax)") }
        let chunkMax = UInt64(SnapshotStream.chunkBytesMax)
        guard UInt64(chunkCount) >= (totalBytes + chunkMax - 1) / chunkMax, UInt64(chunkCount) <= totalBytes else {
            throw WireError("\(chunkCount) chunks cannot carry \(totalBytes) bytes")
        }
        message = try RaftMessageCodec.decode(Array(bytes[(bytes.count - r.remaining)...]))
        guard message.kind == .snapshot, let snapshot = message.snapshot, snapshot.data.isEmpty else {
            throw WireError("a snapshot header must carry a snapshot message without data")
        }
    }
}

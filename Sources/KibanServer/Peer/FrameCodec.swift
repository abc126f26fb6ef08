import NIOCore
import NIOSSL

/// Splits a byte stream into frames: a big-endian u32 length, then that many bytes. Used for
/// every peer connection (Raft messages, join requests).
///
/// **On the accepting side, what a connection may send is bounded before it authenticates**
/// (``Acceptor``): the hello is at most ``helloBytesMax``; after a `caCertificate` hello nothing
/// more; after a `join` hello one request of at most ``joinBytesMax``; every other purpose
/// needs the member certificate that TLS verified at the handshake, and only then may frames
/// reach ``frameBytesMax``.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// Appends carry about 1 MiB of entries (one entry may reach 8 MiB) and snapshots travel in
    /// 1 MiB chunks (``SnapshotStream``), but a member of an earlier build sends a snapshot as
    /// one Raft message, so a frame from an authenticated member may still be large.
    static let frameBytesMax = 512 << 20
    /// The first frame of an accepted connection (``PeerHello`` is 13 bytes).
    static let helloBytesMax = 256
    /// A ``JoinRequest``: a secret, a name, an endpoint and a CSR.
    static let joinBytesMax = 64 << 10

    /// Where a decoder stands in its connection.
    enum Stage {
        /// Replies read by a connecting member from a server TLS verified: any frame up to the maximum.
        case connecting
        /// An accepted connection before its hello.
        case hello
        /// After a join hello: one request.
        case joinRequest
        /// Nothing more may arrive (a CA fetch, or a join after its request).
        case done
        /// A member with a verified certificate.
        case member
    }

    private var stage: Stage

    /// A decoder for a connection this member opened (`accepting: false`) or accepted.
    init(accepting: Bool = false) { stage = accepting ? .hello : .connecting }

    var limit: Int {
        switch stage {
        case .connecting, .member: Self.frameBytesMax
        case .hello: Self.helloBytesMax
        case .joinRequest: Self.joinBytesMax
        case .done: 0
        }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard Int(length) <= limit, stage != .done else {
            throw ServerError(.forbidden, "a peer sent a frame of \(length) bytes where at most \(limit) may come (\(stage))")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        // The length was checked just above, so the slice exists.
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        try advance(past: frame, context: context)
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    /// Moves to the next stage after `frame`, on an accepted connection.
    private mutating func advance(past frame: ByteBuffer, context: ChannelHandlerContext) throws {
        switch stage {
        case .connecting, .member: return
        case .joinRequest: stage = .done
        case .done: throw ServerError(.forbidden, "a peer sent more than its purpose allows")
        case .hello:
            let hello = try PeerHello(frame)
            switch hello.purpose {
            case .caCertificate: stage = .done
            case .join: stage = .joinRequest
            case .raft, .admin, .snapshot, .blob, .renew, .kek, .report:
                // optionalVerification: a certificate that was presented chained to the cluster CA.
                guard (try? context.pipeline.syncOperations.nioSSL_peerCertificate()) != nil else {
                    throw ServerError(.forbidden, "a peer asked for \(hello.purpose) without a member certificate")
                }
                stage = .member
            }
        }
    }
}

/// Prefixes each outgoing frame with its length.
struct FrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = ByteBuffer

    func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.writeInteger(UInt32(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}

/// Sizes of the framing itself.
enum FrameCodec {
    /// The length prefix before each frame's bytes.
    static let headerBytes = 4
}

import NIOCore

/// Splits a byte stream into frames: a big-endian u32 length, then that many bytes. Used for
/// every peer connection (Raft messages, join requests).
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// Appends carry about 1 MiB of entries (one entry may reach 8 MiB) and snapshots travel in
    /// 1 MiB chunks (``SnapshotStream``), but a member of an earlier build sends a snapshot as
    /// one Raft message, so a frame may still be large; beyond this the peer is broken or hostile.
    static let frameBytesMax = 512 << 20

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard Int(length) <= Self.frameBytesMax else {
            throw ServerError(.forbidden, "a peer sent a frame of \(length) bytes (limit \(Self.frameBytesMax))")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        // The length was checked just above, so the slice exists.
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
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

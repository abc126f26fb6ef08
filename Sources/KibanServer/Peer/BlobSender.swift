import Foundation
import KibanNetboot
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Answers a member's ``BlobFetchRequest`` from this member's verified blobs: the header, then
/// the bytes from the requested offset in frames of ``chunkBytes``, then an empty frame.
struct BlobSender: Sendable {
    let blobs: BlobDirectory
    /// Bytes per second per transfer; nil for no limit (``BlobSyncSettings``).
    let bytesPerSecondMax: Int?

    static let chunkBytes = 256 << 10

    func send(_ request: BlobFetchRequest, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        let path = blobs.path(sha256: request.sha256)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            try await outbound.write(ByteBuffer(bytes: BlobFetchHeader(status: .notFound, size: 0).encoded))
            return
        }
        defer { close(fd) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? UInt64(st.st_size) : 0
        guard request.offset <= size else {
            try await outbound.write(ByteBuffer(bytes: BlobFetchHeader(status: .badOffset, size: size).encoded))
            return
        }
        try await outbound.write(ByteBuffer(bytes: BlobFetchHeader(status: .ok, size: size).encoded))
        var offset = request.offset
        let started = ContinuousClock.now
        var buffer = ByteBufferAllocator().buffer(capacity: Self.chunkBytes)
        while offset < size {
            buffer.clear()
            let want = Int(min(UInt64(Self.chunkBytes), size - offset))
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { max(pread(fd, $0.baseAddress, want, off_t(offset)), 0) }
            guard n > 0 else { throw ServerError(.internal, "cannot read \(path): \(String(cString: strerror(errno)))") }
            offset += UInt64(n)
            try await outbound.write(buffer)
            try await pace(sent: offset - request.offset, since: started)
        }
        try await outbound.write(ByteBuffer())
    }

    /// Sleeps until `sent` bytes are within the rate limit.
    private func pace(sent: UInt64, since start: ContinuousClock.Instant) async throws {
        guard let rate = bytesPerSecondMax, rate > 0 else { return }
        let due = start + .milliseconds(Int64(sent) * 1000 / Int64(rate))
        if due > .now { try await Task.sleep(until: due, clock: .continuous) }
    }
}

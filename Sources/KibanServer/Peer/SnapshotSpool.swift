import Crypto
import Foundation
import KibanStore
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// A received snapshot's chunks in a temporary file of the data directory, written one chunk
/// at a time and checked (size, SHA-256) before anything reads them back.
struct SnapshotSpool {
    let path: String

    /// Writes `header.chunkCount` frames to a new file in `spool` and checks them.
    /// - Throws: ``ServerError`` `badRequest` for a short, oversized or corrupt transfer (the
    ///   file is removed), `internal` when the file cannot be written.
    static func write<Frames: AsyncIteratorProtocol>(
        _ frames: inout Frames, header: SnapshotHeader,
        spool: String
    ) async throws -> SnapshotSpool where Frames.Element == ByteBuffer {
        let path = spool + "/snapshot-in-\(UInt64.random(in: 0...UInt64.max)).part"
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let file = FileHandle(forWritingAtPath: path)
        else {
            throw ServerError(.internal, "cannot create \(path); check free space and permissions")
        }
        let spooled = SnapshotSpool(path: path)
        do {
            defer { try? file.close() }
            var hasher = SHA256()
            var received: UInt64 = 0
            for i in 0..<header.chunkCount {
                guard let chunk = try await frames.next() else {
                    throw ServerError(.badRequest, "the snapshot transfer broke after \(i) of \(header.chunkCount) chunks")
                }
                let count = chunk.readableBytes
                guard count > 0, count <= SnapshotStream.chunkBytesMax, received + UInt64(count) <= header.totalBytes else {
                    throw ServerError(.badRequest, "snapshot chunk \(i) has \(count) bytes, which does not fit the header")
                }
                try chunk.withUnsafeReadableBytes { bytes in
                    hasher.update(bufferPointer: bytes)
                    try file.write(contentsOf: bytes)
                }
                received += UInt64(count)
            }
            try file.synchronize()
            guard received == header.totalBytes else {
                throw ServerError(.badRequest, "the snapshot has \(received) of \(header.totalBytes) bytes")
            }
            guard Array(hasher.finalize()) == header.sha256 else {
                throw ServerError(.badRequest, "the snapshot's SHA-256 does not match its header (corrupted in transfer)")
            }
        } catch {
            spooled.remove()
            throw error
        }
        return spooled
    }

    /// The file's `count` bytes, read straight into the one array Raft's message carries.
    func readAll(_ count: UInt64) throws(ServerError) -> [UInt8] {
        guard let bytes = FileBytes.read(path, count: count) else {
            throw ServerError(.internal, "cannot read back \(path): \(String(cString: strerror(errno)))")
        }
        return bytes
    }

    /// Deletes the file.
    func remove() { unlink(path) }
}

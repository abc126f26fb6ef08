import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes one blob into `partial/`, hashing as it goes; ``finish()`` fsyncs, checks size and
/// SHA-256, and renames the file to `sha256/<hex>` (then fsyncs the directory), so a complete
/// blob is never seen half-written. Unchecked Sendable: it may move between threads (blocking
/// work is done off the cooperative pool) but is used by one task at a time.
public final class BlobWriter: @unchecked Sendable {
    /// The partial file being written.
    public let partialPath: String
    /// What the bytes must be, when known in advance (replication); an upload learns its hash
    /// at the end.
    public let expected: BlobReference?
    /// Bytes in the partial file so far (including those found there when resuming).
    public private(set) var written: UInt64
    private let directory: BlobDirectory
    private var fd: Int32
    private var hasher = SHA256()

    init(directory: BlobDirectory, partialPath: String, expected: BlobReference?, resume: Bool) throws(BlobError) {
        self.directory = directory
        self.partialPath = partialPath
        self.expected = expected
        fd = open(partialPath, O_CREAT | O_RDWR | O_CLOEXEC | (resume ? 0 : O_TRUNC), 0o644)
        guard fd >= 0 else { throw BlobError(.io, "cannot create \(partialPath): \(Self.reason()); check the data directory's permissions and free space") }
        written = 0
        if resume { try rehashExisting() }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends `bytes`.
    /// - Throws: ``BlobError`` `tooLong` past the expected size, `io` when the disk refuses.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(BlobError) {
        if let expected, written + UInt64(bytes.count) > expected.size {
            throw BlobError(.tooLong, "more than the \(expected.size) bytes expected for blob \(expected.sha256)")
        }
        hasher.update(bufferPointer: bytes)
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)  // non-empty: offset < count
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BlobError(.io, "cannot write \(partialPath): \(Self.reason()); is the disk full?") }
            offset += n
        }
        written += UInt64(bytes.count)
    }

    /// Verifies and moves the blob into place; returns what it is. Identical content already in
    /// place is kept (the new copy is dropped).
    /// - Throws: ``BlobError`` `mismatch` (the partial file is deleted), `io`.
    public func finish() throws(BlobError) -> BlobReference {
        let hex = HexBytes.encode(Array(hasher.finalize()))
        let blob = BlobReference(sha256: hex, size: written)
        if let expected, expected != blob {
            discard()
            throw BlobError(.mismatch, "blob \(expected.sha256) arrived as \(written) bytes with SHA-256 \(hex); discarded, it will be fetched again")
        }
        guard fsync(fd) == 0 else { throw BlobError(.io, "cannot fsync \(partialPath): \(Self.reason())") }
        close(fd)
        fd = -1
        guard rename(partialPath, directory.path(sha256: hex)) == 0 else {
            let why = Self.reason()
            unlink(partialPath)
            throw BlobError(.io, "cannot move \(partialPath) into place: \(why)")
        }
        directory.syncDirectory(directory.completeRoot)
        return blob
    }

    /// Closes and deletes the partial file (an upload that did not complete).
    public func discard() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(partialPath)
    }

    /// Closes, keeping the partial file for a later resume (an interrupted transfer).
    public func suspend() {
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
        fd = -1
    }

    /// Resuming: hashes what the file already holds and continues after it. A file longer than
    /// expected is started over.
    private func rehashExisting() throws(BlobError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw BlobError(.io, "cannot read \(partialPath): \(Self.reason())") }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            written += UInt64(n)
        }
        if let expected, written > expected.size {
            guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
                throw BlobError(.io, "cannot truncate \(partialPath): \(Self.reason())")
            }
            hasher = SHA256()
            written = 0
        }
    }

    static func reason() -> String { String(cString: strerror(errno)) }
}

import CUring
import Glibc

/// A file opened to answer one request.
struct StaticFile {
    let fd: Int32
    let size: Int64
    /// `"<size hex>-<mtime ns hex>"`: changes whenever the file is replaced or rewritten.
    let etag: String

    /// Opens `directory/segments…` read-only; nil (→ 404) when it does not exist, is not a
    /// regular file, or cannot be read. Segments were validated by `RequestTarget.decode`: no
    /// `..`, `/` or NUL.
    static func open(directory: String, segments: ArraySlice<String>) -> StaticFile? {
        guard !segments.isEmpty else { return nil }
        return open(path: directory + "/" + segments.joined(separator: "/"))
    }

    /// Opens the regular file at `path` read-only, without following a symbolic link in its
    /// last component; nil (→ 404) otherwise.
    static func open(path: String) -> StaticFile? {
        // Any failure (missing, unreadable, a symbolic link) is a 404, so the error is not kept.
        guard let fd = try? syscall("open \(path)", { Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }) else {
            return nil
        }
        var info = stat()
        guard (try? syscall("fstat \(path)", { fstat(fd, &info) })) != nil, info.st_mode & S_IFMT == S_IFREG else {
            closeQuietly(fd)
            return nil
        }
        let modified = UInt64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ UInt64(info.st_mtim.tv_nsec)
        let etag = "\"" + String(info.st_size, radix: 16) + "-" + String(modified, radix: 16) + "\""
        return StaticFile(fd: fd, size: Int64(info.st_size), etag: etag)
    }

    /// Reads `range` of the file into `buffer` (small bodies go out with the header in one
    /// send); false when the file came up short.
    func read(_ range: Range<Int64>, appendingTo buffer: inout [UInt8]) -> Bool {
        let start = buffer.count
        let count = Int(range.count)
        buffer.append(contentsOf: repeatElement(0, count: count))
        var done = 0
        while done < count {
            let result = try? syscall("pread") {
                buffer.withUnsafeMutableBytes { bytes in
                    // The buffer holds at least `count` > 0 bytes here, so it has a base address.
                    pread(fd, bytes.baseAddress! + start + done, count - done, off_t(range.lowerBound) + off_t(done))
                }
            }
            guard let result, result > 0 else { return false }
            done += result
        }
        return true
    }
}

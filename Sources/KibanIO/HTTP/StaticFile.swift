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
        return regular(fd, path: path)
    }

    /// Opens the regular file `name` in `directory` read-only, resolved below a descriptor of
    /// the directory: `openat2` with `RESOLVE_BENEATH` and no symbolic links, so no `..`, absolute
    /// path or link in `name` reaches outside it. Where the kernel has no `openat2` (before 5.6),
    /// `name` must be one path component and is opened with `O_NOFOLLOW`. nil (→ 404) otherwise.
    static func open(beneath directory: String, name: String) -> StaticFile? {
        guard let dir = try? syscall("open \(directory)", { Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }) else {
            return nil
        }
        defer { closeQuietly(dir) }
        let flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW
        var fd = cu_openat2_beneath(dir, name, flags)
        while fd < 0 && Glibc.errno == EINTR { fd = cu_openat2_beneath(dir, name, flags) }
        if fd < 0 && Glibc.errno == ENOSYS {
            guard !name.isEmpty, name != ".", name != "..", !name.utf8.contains(UInt8(ascii: "/")) else { return nil }
            fd = (try? syscall("openat \(name)", { openat(dir, name, flags) })) ?? -1
        }
        guard fd >= 0 else { return nil }
        return regular(fd, path: directory + "/" + name)
    }

    /// `fd` as a response body when it is a regular file; closes it and answers nil otherwise.
    private static func regular(_ fd: Int32, path: String) -> StaticFile? {
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

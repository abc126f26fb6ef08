import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whole files read straight into one `[UInt8]`: a snapshot is held once, not once as `Data`
/// and again as an array.
package enum FileBytes {
    /// The first `count` bytes of `path` (all of it when nil).
    /// - Returns: nil, with `errno` set, when the file cannot be opened, sized or read.
    package static func read(_ path: String, count: UInt64? = nil) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        let want = Int(count ?? UInt64(max(0, st.st_size)))
        var complete = true
        let bytes = [UInt8](unsafeUninitializedCapacity: want) { buffer, initialized in
            while initialized < buffer.count {
                let n = Glibc.read(fd, buffer.baseAddress.map { $0 + initialized }, buffer.count - initialized)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    if n == 0 { errno = EIO }
                    complete = false
                    return
                }
                initialized += n
            }
        }
        return complete ? bytes : nil
    }
}

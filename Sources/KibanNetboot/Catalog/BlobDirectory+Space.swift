import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The blob directory's share of the disk, checked against ``BlobDirectory/limits``.
extension BlobDirectory {
    /// Bytes of complete blobs and partial files here.
    public func usedBytes() -> UInt64 {
        var total: UInt64 = 0
        for directory in [completeRoot, partialRoot] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                var st = stat()
                if lstat(directory + "/" + name, &st) == 0 { total &+= UInt64(max(0, st.st_size)) }
            }
        }
        return total
    }

    /// The data directory's file system, or nil when `statvfs` fails.
    public func disk() -> BlobSpaceLimits.Disk? {
        var fs = statvfs()
        guard statvfs(root, &fs) == 0 else { return nil }
        let unit = UInt64(fs.f_frsize)
        return BlobSpaceLimits.Disk(
            totalBytes: UInt64(fs.f_blocks).multipliedReportingOverflow(by: unit).partialValue,
            availableBytes: UInt64(fs.f_bavail).multipliedReportingOverflow(by: unit).partialValue)
    }

    /// Refuses `incoming` more bytes past the quota or the floor.
    /// - Throws: ``BlobError`` `noSpace` naming the setting, `io` when the disk cannot be read.
    public func reserve(_ incoming: UInt64) throws(BlobError) {
        guard let disk = disk() else {
            throw BlobError(.io, "cannot read the free space of \(root): \(String(cString: strerror(errno)))")
        }
        if let refusal = limits.refusal(incoming: incoming, blobBytes: usedBytes(), disk: disk) { throw refusal }
    }
}

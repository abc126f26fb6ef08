public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The blob directory's files: writers for uploads and transfers, the listing garbage collection
/// reads, and the clean-up at start.
extension BlobDirectory {
    /// `sha256/`: complete, verified blobs.
    public var completeRoot: String { root + "/sha256" }
    /// `partial/`: `upload-<random>` for uploads (never resumed: their client is gone), `<hex>`
    /// for transfers from peers (resumed from their length).
    public var partialRoot: String { root + "/partial" }

    /// A complete blob on this member.
    public struct Entry: Sendable, Hashable {
        public var sha256: String
        public var size: UInt64
        /// When it was moved into place.
        public var modified: Date

        public init(sha256: String, size: UInt64, modified: Date) {
            self.sha256 = sha256
            self.size = size
            self.modified = modified
        }
    }

    /// Creates the directories and deletes interrupted uploads; returns how many were deleted.
    /// Partial transfers from peers are kept and resumed.
    /// - Throws: ``BlobError`` `io` when the directories cannot be created.
    @discardableResult
    public func prepare() throws(BlobError) -> Int {
        do {
            try FileManager.default.createDirectory(atPath: completeRoot, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: partialRoot, withIntermediateDirectories: true)
        } catch {
            throw BlobError(.io, "cannot create \(root): \(error); check the data directory's permissions")
        }
        var removed = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: partialRoot)) ?? [] where !BlobReference.isSHA256(name) {
            if unlink(partialRoot + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }

    /// A writer for a new upload, in `partial/upload-<random>`.
    public func upload() throws(BlobError) -> BlobWriter {
        try BlobWriter(directory: self, partialPath: partialRoot + "/upload-" + UUID().uuidString, expected: nil, resume: false)
    }

    /// A writer for a transfer of `blob` from a peer, continuing `partial/<hex>` when an earlier
    /// transfer left one (``BlobWriter/written`` says from where).
    /// - Throws: ``BlobError`` `noSpace` when the rest of the blob does not fit ``limits``.
    public func transfer(_ blob: BlobReference) throws(BlobError) -> BlobWriter {
        precondition(BlobReference.isSHA256(blob.sha256), "a transfer needs a checked hash for its file name")
        let partial = partialRoot + "/" + blob.sha256
        var st = stat()
        let have = lstat(partial, &st) == 0 ? UInt64(max(0, st.st_size)) : 0
        try reserve(blob.size > have ? blob.size - have : 0)
        return try BlobWriter(directory: self, partialPath: partial, expected: blob, resume: true)
    }

    /// The complete blobs here.
    public func entries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: completeRoot)) ?? []
        return names.filter(BlobReference.isSHA256).compactMap { name in
            guard let a = try? FileManager.default.attributesOfItem(atPath: completeRoot + "/" + name) else { return nil }
            return Entry(
                sha256: name, size: (a[.size] as? NSNumber)?.uint64Value ?? 0,
                modified: a[.modificationDate] as? Date ?? .distantPast)
        }
    }

    /// Hashes of the partial transfers here.
    public func partialTransfers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: partialRoot)) ?? []).filter(BlobReference.isSHA256)
    }

    /// Deletes the complete blob and any partial transfer of it.
    public func remove(sha256: String) {
        precondition(BlobReference.isSHA256(sha256), "only hashes name blob files")
        unlink(path(sha256: sha256))
        unlink(partialRoot + "/" + sha256)
    }

    /// fsync on a directory, so a rename in it survives a power cut.
    func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

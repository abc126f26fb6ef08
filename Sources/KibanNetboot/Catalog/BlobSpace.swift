/// How much of a member's disk blobs may take: a quota on the blob directory and a floor of
/// free space they must leave, so that images and assets cannot fill the disk the store writes
/// to. Both are local settings (`kiban.yaml`): disks differ from member to member.
///
/// **The floor is the store's reserve:** blobs stop where it starts; raft.db, state.db and
/// snapshots may use what lies below it.
public struct BlobSpaceLimits: Sendable, Hashable, Codable {
    /// Free space blobs must leave on the data directory's file system.
    public enum Floor: Sendable, Hashable, Codable {
        /// A share of the file system's size, 0–99 %.
        case percent(UInt64)
        /// A number of bytes.
        case bytes(UInt64)
    }

    /// The most bytes the blob directory may hold (complete blobs and transfers); nil: no quota.
    public var quotaBytes: UInt64?
    /// Free space left for everything else.
    public var floor: Floor

    /// The default floor: 2 GiB stays free for the store (its files, snapshots, WAL).
    public static let defaultFloor = Floor.bytes(2 << 30)

    /// No quota and the default floor.
    public init(quotaBytes: UInt64? = nil, floor: Floor = Self.defaultFloor) {
        self.quotaBytes = quotaBytes
        self.floor = floor
    }

    /// No limit at all (tests of other things).
    public static let unlimited = BlobSpaceLimits(quotaBytes: nil, floor: .bytes(0))

    /// The file system's size and what an unprivileged writer may still use.
    public struct Disk: Sendable, Hashable {
        public var totalBytes: UInt64
        public var availableBytes: UInt64

        public init(totalBytes: UInt64, availableBytes: UInt64) {
            self.totalBytes = totalBytes
            self.availableBytes = availableBytes
        }
    }

    /// Free bytes the floor keeps on `disk`.
    public func floorBytes(on disk: Disk) -> UInt64 {
        switch floor {
        case .bytes(let n): n
        case .percent(let p): disk.totalBytes / 100 * min(p, 100)
        }
    }

    /// Whether `incoming` more bytes may be written when the blob directory holds `blobBytes`;
    /// nil when they may, else the error naming the setting that refuses them.
    public func refusal(incoming: UInt64, blobBytes: UInt64, disk: Disk) -> BlobError? {
        if let quota = quotaBytes {
            let (after, overflow) = blobBytes.addingReportingOverflow(incoming)
            if overflow || after > quota {
                return BlobError(
                    .noSpace,
                    "\(incoming) more bytes of blobs would exceed blob-quota (\(quota) bytes; \(blobBytes) in use): delete images or assets, or raise blob-quota in kiban.yaml"
                )
            }
        }
        let keep = floorBytes(on: disk)
        let (needed, overflow) = keep.addingReportingOverflow(incoming)
        if overflow || disk.availableBytes < needed {
            return BlobError(
                .noSpace,
                "\(incoming) more bytes of blobs would leave less than blob-free-space-floor (\(keep) bytes) free on the data directory's disk (\(disk.availableBytes) available): free space, or lower blob-free-space-floor in kiban.yaml"
            )
        }
        return nil
    }
}

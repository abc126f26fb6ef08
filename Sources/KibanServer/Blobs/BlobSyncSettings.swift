import Foundation

/// Timing and limits of blob replication and garbage collection. The defaults suit production;
/// the environment overrides them (docs/operator-guide.md): `KIBAN_BLOB_GC_GRACE_SECONDS`,
/// `KIBAN_BLOB_SEND_BYTES_PER_SECOND`.
struct BlobSyncSettings: Sendable, Hashable {
    /// How long a blob stays after nothing references it (machines still booting from it, an
    /// upload whose record is being committed).
    var gcGrace: Duration = .seconds(600)
    /// How often the records are looked at again without a change (retries, garbage collection).
    var roundInterval: Duration = .seconds(2)
    /// The first retry after a failed transfer; doubles up to ``retryMax``.
    var retryFirst: Duration = .milliseconds(500)
    var retryMax: Duration = .seconds(30)
    /// Different missing blobs fetched at once (one transfer per blob): enough to keep a
    /// member busy while one source is slow, few enough not to crowd out boot traffic.
    var fetchesMax = 3
    /// Bytes per second each transfer this member sends; nil: no limit.
    var sendBytesPerSecondMax: Int?

    /// The defaults with the environment's overrides.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> BlobSyncSettings {
        var s = BlobSyncSettings()
        if let v = environment["KIBAN_BLOB_GC_GRACE_SECONDS"].flatMap(Double.init), v >= 0 { s.gcGrace = .milliseconds(Int64(v * 1000)) }
        if let v = environment["KIBAN_BLOB_SEND_BYTES_PER_SECOND"].flatMap(Int.init), v > 0 { s.sendBytesPerSecondMax = v }
        return s
    }
}

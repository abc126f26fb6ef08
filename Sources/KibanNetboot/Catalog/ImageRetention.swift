public import Foundation
import KibanIO

/// `netboot/deleted-images/<id>`: an image id that was deleted (by an operator or by retention).
/// Uploading that id again is refused unless forced, so an old build cannot come back by
/// mistake under a name machines already moved away from.
public struct ImageTombstone: Codable, Sendable, Hashable {
    public var id: String
    public var deleted: Date
    /// `deleted by uid N` or `retention`.
    public var reason: String

    public init(id: String, deleted: Date, reason: String) {
        self.id = id
        self.deleted = deleted
        self.reason = reason
    }
}

/// `netboot/settings/images`: cluster-wide image settings.
public struct ImageSettings: Codable, Sendable, Hashable {
    /// How many images are kept; uploading one more deletes the oldest.
    public var kept: Int

    /// The default: the newest 5 images.
    public static let standard = ImageSettings(kept: 5)
    /// Bounds on ``kept``.
    public static let keptRange = 1...1000

    public init(kept: Int) { self.kept = kept }
}

/// Which images retention deletes: all but the newest `kept` by upload time (ties broken by id,
/// so every member decides the same).
public enum ImageRetention {
    /// The ids to delete so that `kept` images remain, oldest first.
    public static func expired(_ images: [ImageRecord], kept: Int) -> [String] {
        let newestFirst = images.sorted { ($0.uploaded, $0.id) > ($1.uploaded, $1.id) }
        return newestFirst.dropFirst(max(kept, 0)).reversed().map(\.id)
    }
}

/// Image ids and asset names: 1 to 128 of `A-Z a-z 0-9 . _ -`, not starting with a dot. They
/// appear in store keys, URLs and file names, so nothing else is accepted.
public enum CatalogName {
    public static let lengthMax = 128

    /// nil when `name` is acceptable, else what is wrong with it.
    public static func problem(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= lengthMax else { return "must be 1 to \(lengthMax) characters" }
        guard !name.hasPrefix(".") else { return "must not start with a dot" }
        let allowed = name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x2d
        }
        return allowed ? nil : "may contain only letters, digits, '.', '_' and '-'"
    }
}

extension BlobReference {
    /// True for 64 lowercase hex digits.
    public static func isSHA256(_ hex: String) -> Bool {
        hex.utf8.count == 64 && hex.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

extension AssetRecord {
    /// The content type an asset gets by its file name when none is given: the HTTP server's
    /// table by extension, `application/octet-stream` when unknown.
    public static func contentType(forFileName name: String) -> String { ContentType.forPath(name) }
}

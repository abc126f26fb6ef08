public import Foundation

/// A file kept as a content-addressed blob: its SHA-256 (lowercase hex) and size. The bytes live
/// outside the store, in each member's blob directory (``BlobDirectory``); only this reference goes
/// through Raft.
public struct BlobReference: Codable, Sendable, Hashable {
    /// SHA-256 of the content, 64 lowercase hex digits.
    public var sha256: String
    /// Size in bytes.
    public var size: UInt64

    public init(sha256: String, size: UInt64) {
        self.sha256 = sha256
        self.size = size
    }

    private enum CodingKeys: String, CodingKey { case sha256, size }

    /// Decodes a reference and checks its hash (``isSHA256(_:)``): the hash names the blob's
    /// file, so a record with another `sha256` (`"../../state.db"`, written by hand with
    /// `kiban kv put`) could name a file outside the blob directory. Such a record does not
    /// decode, and so is never served or fetched.
    /// - Throws: `DecodingError.dataCorrupted` for a hash that is not 64 lowercase hex digits.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let sha256 = try container.decode(String.self, forKey: .sha256)
        guard Self.isSHA256(sha256) else {
            throw DecodingError.dataCorruptedError(
                forKey: .sha256, in: container,
                debugDescription: "sha256 must be 64 lowercase hex digits")
        }
        self.init(sha256: sha256, size: try container.decode(UInt64.self, forKey: .size))
    }
}

/// A boot image: a kernel and an initrd (`kiban images upload ID --kernel F --initrd F`), stored at
/// ``NetbootKeys/image(_:)``.
public struct ImageRecord: Codable, Sendable, Hashable {
    public var id: String
    public var kernel: BlobReference
    public var initrd: BlobReference
    /// When the upload completed.
    public var uploaded: Date

    public init(id: String, kernel: BlobReference, initrd: BlobReference, uploaded: Date) {
        self.id = id
        self.kernel = kernel
        self.initrd = initrd
        self.uploaded = uploaded
    }
}

/// A named asset (`kiban assets upload NAME FILE`): any file a machine fetches while booting,
/// stored at ``NetbootKeys/asset(_:)``.
public struct AssetRecord: Codable, Sendable, Hashable {
    public var name: String
    public var blob: BlobReference
    /// The `Content-Type` the HTTP boot server answers with.
    public var contentType: String
    public var uploaded: Date

    public init(name: String, blob: BlobReference, contentType: String, uploaded: Date) {
        self.name = name
        self.blob = blob
        self.contentType = contentType
        self.uploaded = uploaded
    }
}

/// Where netboot metadata lives in the store (docs/schema.md).
public enum NetbootKeys {
    /// `netboot/images/<id>` → ``ImageRecord`` JSON.
    public static let imagesPrefix = "netboot/images/"
    /// `netboot/assets/<name>` → ``AssetRecord`` JSON.
    public static let assetsPrefix = "netboot/assets/"

    /// `netboot/presence/<sha256>/<member>` → ``PresenceRecord`` JSON: that member holds a
    /// verified copy of the blob.
    public static let presencePrefix = "netboot/presence/"
    /// `netboot/deleted-images/<id>` → ``ImageTombstone`` JSON: the id was deleted and is not
    /// uploaded again without `--force`.
    public static let deletedImagesPrefix = "netboot/deleted-images/"
    /// `netboot/settings/images` → ``ImageSettings`` JSON (how many images are kept).
    public static let imageSettings = Array("netboot/settings/images".utf8)

    public static func image(_ id: String) -> [UInt8] { Array((imagesPrefix + id).utf8) }
    public static func asset(_ name: String) -> [UInt8] { Array((assetsPrefix + name).utf8) }
    public static func deletedImage(_ id: String) -> [UInt8] { Array((deletedImagesPrefix + id).utf8) }
    /// Every member's presence key for one blob.
    public static func presence(_ sha256: String) -> [UInt8] { Array((presencePrefix + sha256 + "/").utf8) }
    public static func presence(_ sha256: String, member: String) -> [UInt8] { presence(sha256) + Array(member.utf8) }
}

/// A member's blob directory, `<data-dir>/blobs`: verified blobs at `sha256/<hex>` (complete and
/// never modified once renamed into place), transfers in progress under `partial/`.
public struct BlobDirectory: Sendable, Hashable {
    /// The `blobs` directory itself.
    public var root: String
    /// What new blobs may take of the disk; checked before an upload or a transfer starts.
    public var limits: BlobSpaceLimits

    public init(dataDir: String, limits: BlobSpaceLimits = BlobSpaceLimits()) {
        root = dataDir + "/blobs"
        self.limits = limits
    }

    /// The path a complete blob with this hash has on this member (whether or not it is here yet).
    public func path(sha256: String) -> String { root + "/sha256/" + sha256 }

    /// The path of a complete local copy of `blob`, or nil when this member does not have it yet.
    /// nil for a reference whose hash is not 64 lowercase hex digits (it names no blob).
    public func localPath(_ blob: BlobReference) -> String? {
        guard BlobReference.isSHA256(blob.sha256) else { return nil }
        let path = path(sha256: blob.sha256)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.size] as? NSNumber)?.uint64Value == blob.size
        else { return nil }
        return path
    }
}

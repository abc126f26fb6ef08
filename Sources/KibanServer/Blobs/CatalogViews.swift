import Foundation
public import KibanNetboot

/// An image as the admin API lists it: the record, and which members hold both its files.
public struct ImageView: Codable, Sendable, Hashable {
    public var id: String
    /// RFC 3339, UTC.
    public var uploaded: String
    public var kernel: BlobReference
    public var initrd: BlobReference
    /// Members holding verified copies of both files, by name.
    public var members: [String]
    /// Roles assigned this image (`kiban images assign`), sorted.
    public var roles: [String]
}

/// An asset as the admin API shows it.
public struct AssetView: Codable, Sendable, Hashable {
    public var name: String
    public var contentType: String
    public var uploaded: String
    public var blob: BlobReference
    /// Members holding a verified copy, by name.
    public var members: [String]
}

extension ImageView {
    init(_ image: CatalogImage) {
        let r = image.record
        self.init(
            id: r.id, uploaded: Timestamp.rfc3339(r.uploaded), kernel: r.kernel, initrd: r.initrd,
            members: image.holders, roles: image.roles)
    }
}

extension AssetView {
    init(_ asset: CatalogAsset) {
        let r = asset.record
        self.init(
            name: r.name, contentType: r.contentType, uploaded: Timestamp.rfc3339(r.uploaded), blob: r.blob,
            members: asset.holders)
    }
}

enum Timestamp {
    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}

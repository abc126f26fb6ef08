import Foundation
public import KibanStore

/// The images and assets at one revision.
public struct Catalog: Sendable, Hashable {
    public var images: [ImageRecord]
    public var assets: [AssetRecord]
    /// The store revision of the image read.
    public var revision: Int64

    /// Every blob a record references, by hash (a record with a malformed hash is ignored: the
    /// hash names a file).
    public var blobs: [String: BlobReference] {
        let all = images.flatMap { [$0.kernel, $0.initrd] } + assets.map(\.blob)
        return Dictionary(all.filter { BlobReference.isSHA256($0.sha256) }.map { ($0.sha256, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

extension Store {
    /// Reads every image and asset record (records that do not decode are skipped: a newer
    /// version's fields are ignored by JSONDecoder, a damaged one is not worth failing a listing).
    /// - Throws: ``StoreError`` from the reads.
    public func catalog(consistency: ReadConsistency = .linearizable) async throws(StoreError) -> Catalog {
        let images = try await range(.prefix(Array(NetbootKeys.imagesPrefix.utf8)), consistency: consistency)
        // The first read's barrier covers the second.
        let assets = try await range(.prefix(Array(NetbootKeys.assetsPrefix.utf8)), consistency: .serializable)
        let decoder = JSONDecoder()
        return Catalog(
            images: images.kvs.compactMap { try? decoder.decode(ImageRecord.self, from: Data($0.value)) },
            assets: assets.kvs.compactMap { try? decoder.decode(AssetRecord.self, from: Data($0.value)) },
            revision: images.revision)
    }
}

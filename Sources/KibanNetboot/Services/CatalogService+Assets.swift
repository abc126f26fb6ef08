import Foundation
import KibanStore

/// Assets: named files of any type; uploading a name again replaces its content.
extension CatalogService {
    /// Refuses a bad name or content type before the bytes arrive.
    public static func checkAssetUpload(name: String, contentType: String) throws(NetbootError) {
        if let problem = CatalogName.problem(name) { throw NetbootError(.invalidInput, "asset name \(name): \(problem)") }
        guard !contentType.isEmpty, contentType.utf8.count <= 255, contentType.contains("/"),
            !contentType.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f })
        else {
            throw NetbootError(.invalidInput, "content type \(contentType) is not a media type such as application/octet-stream")
        }
    }

    /// Records an uploaded asset (its blob is in place on `holder`'s member) with that member's
    /// presence.
    @discardableResult
    public func commitAsset(
        name: String, blob: BlobReference, contentType: String,
        holder: PresenceRecord, author: ChangeAuthor
    ) async throws -> CatalogAsset {
        let record = AssetRecord(name: name, blob: blob, contentType: contentType, uploaded: author.time)
        let writes =
            try NetbootCodec.puts([(NetbootKeys.asset(name), record)])
            + (try Self.presenceWrites([blob], holder: holder))
            + [try author.auditPut("asset.upload", name, detail: "sha256 \(blob.sha256)")]
        _ = try await store.txn(Txn(success: writes))
        return CatalogAsset(record, presence: try await presence())
    }

    /// Every asset, by name.
    public func assets() async throws -> [CatalogAsset] {
        let catalog = try await store.catalog()
        let presence = try await presence()
        return catalog.assets.sorted { $0.name < $1.name }.map { CatalogAsset($0, presence: presence) }
    }

    /// Asset `name`.
    public func asset(name: String) async throws -> CatalogAsset {
        guard let record = try await store.record(AssetRecord.self, at: NetbootKeys.asset(name)) else {
            throw NetbootError(.notFound, "there is no asset \(name); `kiban assets list` shows those there are")
        }
        return CatalogAsset(record.value, presence: try await presence())
    }

    /// Deletes asset `name`; its blob is collected later.
    public func deleteAsset(name: String, author: ChangeAuthor) async throws {
        let deleted = try await store.deleteAudited(NetbootKeys.asset(name), try author.auditPut("asset.delete", name))
        guard !deleted.isEmpty else { throw NetbootError(.notFound, "there is no asset \(name); `kiban assets list` shows those there are") }
    }
}

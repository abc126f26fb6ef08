import Foundation
import KibanNetboot
import KibanStore

/// `kiban assets`: named files of any type; uploading a name again replaces its content.
extension Daemon {
    /// Refuses a bad name before the bytes arrive.
    func checkAssetUpload(name: String, contentType: String) throws(ServerError) {
        if let problem = CatalogName.problem(name) { throw ServerError(.badRequest, "asset name \(name): \(problem)") }
        guard !contentType.isEmpty, contentType.utf8.count <= 255, contentType.contains("/"),
              !contentType.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
            throw ServerError(.badRequest, "content type \(contentType) is not a media type such as application/octet-stream")
        }
        _ = try requireStore()
    }

    /// Records an uploaded asset (its blob is in place here) with this member's presence.
    func commitAsset(name: String, blob: BlobReference, contentType: String, caller: Caller) async throws(ServerError) -> AssetView {
        let store = try requireStore()
        let record = AssetRecord(name: name, blob: blob, contentType: contentType, uploaded: Date())
        let writes = try encodeOperations([(NetbootKeys.asset(name), record)]) + (try encodeOperations(presenceWrites([blob])))
            + [try auditPut(caller, "asset.upload", name, detail: "sha256 \(blob.sha256)")]
        _ = try await storeCall { () throws(StoreError) in try await store.txn(Txn(success: writes)) }
        let presence = try await memberPresence(store)
        return AssetView(record, presence: presence)
    }

    /// `kiban assets list`, by name.
    func assets() async throws(ServerError) -> [AssetView] {
        let store = try requireStore()
        let catalog = try await storeCall { () throws(StoreError) in try await store.catalog() }
        let presence = try await memberPresence(store)
        return catalog.assets.sorted { $0.name < $1.name }.map { AssetView($0, presence: presence) }
    }

    /// `kiban assets info NAME`.
    func asset(name: String) async throws(ServerError) -> AssetView {
        let store = try requireStore()
        guard let record = try await storeCall({ () throws(StoreError) in try await store.record(AssetRecord.self, at: NetbootKeys.asset(name)) }) else {
            throw ServerError(.notFound, "there is no asset \(name); `kiban assets list` shows those there are")
        }
        let presence = try await memberPresence(store)
        return AssetView(record.value, presence: presence)
    }

    /// `kiban assets delete NAME`: the blob is collected later.
    func deleteAsset(name: String, caller: Caller) async throws(ServerError) {
        let store = try requireStore()
        let deleted = try await deleteAudited(NetbootKeys.asset(name), try auditPut(caller, "asset.delete", name), store: store)
        guard !deleted.isEmpty else { throw ServerError(.notFound, "there is no asset \(name); `kiban assets list` shows those there are") }
    }
}

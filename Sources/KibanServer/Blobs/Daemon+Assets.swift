import Foundation
import KibanNetboot
import KibanStore

/// `kiban assets`: an adapter to ``CatalogService``.
extension Daemon {
    /// Refuses a bad name before the bytes arrive.
    func checkAssetUpload(name: String, contentType: String) throws(ServerError) {
        do { try CatalogService.checkAssetUpload(name: name, contentType: contentType) } catch {
            throw ServerError(answering: error)
        }
        _ = try requireStore()
    }

    /// Records an uploaded asset (its blob is in place here) with this member's presence.
    func commitAsset(name: String, blob: BlobReference, contentType: String, caller: Caller) async throws(ServerError) -> AssetView {
        let catalog = try catalogService()
        let author = author(caller)
        return AssetView(
            try await netboot(caller, "asset.upload", name) {
                try await catalog.commitAsset(name: name, blob: blob, contentType: contentType, holder: presenceRecord, author: author)
            })
    }

    /// `kiban assets list`, by name.
    func assets() async throws(ServerError) -> [AssetView] {
        let catalog = try catalogService()
        return try await netboot { try await catalog.assets() }.map(AssetView.init)
    }

    /// `kiban assets info NAME`.
    func asset(name: String) async throws(ServerError) -> AssetView {
        let catalog = try catalogService()
        return AssetView(try await netboot { try await catalog.asset(name: name) })
    }

    /// `kiban assets delete NAME`: the blob is collected later.
    func deleteAsset(name: String, caller: Caller) async throws(ServerError) {
        let catalog = try catalogService()
        let author = author(caller)
        try await netboot(caller, "asset.delete", name) { try await catalog.deleteAsset(name: name, author: author) }
    }
}

import Foundation
import KibanNetboot
import KibanStore

/// `kiban images`: an adapter to ``CatalogService`` (uploads arrive through ``AdminUpload``).
extension Daemon {
    /// Refuses an upload before its bytes arrive: a bad id, an existing id, or a deleted id
    /// (unless `force`).
    func checkImageUpload(id: String, force: Bool) async throws(ServerError) {
        let catalog = try catalogService()
        try await netboot { try await catalog.checkImageUpload(id: id, force: force) }
    }

    /// Records an uploaded image (its blobs are in place here) with this member's presence;
    /// then applies retention.
    func commitImage(id: String, kernel: BlobReference, initrd: BlobReference, force: Bool, caller: Caller) async throws(ServerError) -> ImageView {
        let catalog = try catalogService()
        let author = author(caller)
        return ImageView(
            try await netboot(caller, "image.upload", id) {
                try await catalog.commitImage(id: id, kernel: kernel, initrd: initrd, force: force, holder: presenceRecord, author: author)
            })
    }

    /// `kiban images list`: newest first.
    func images() async throws(ServerError) -> [ImageView] {
        let catalog = try catalogService()
        return try await netboot { try await catalog.images() }.map(ImageView.init)
    }

    /// `kiban images delete ID`: the record goes, a tombstone stays; blobs are collected later.
    func deleteImage(id: String, caller: Caller) async throws(ServerError) {
        let catalog = try catalogService()
        let author = author(caller)
        try await netboot(caller, "image.delete", id) {
            try await catalog.deleteImage(id: id, reason: "deleted by uid \(caller.uid)", author: author)
        }
    }

    /// The image settings, the defaults when never set.
    func imageSettings() async throws(ServerError) -> ImageSettings {
        let catalog = try catalogService()
        return try await netboot { try await catalog.imageSettings() }
    }

    /// `kiban images keep N`: applies at the next upload.
    func setImageSettings(_ settings: ImageSettings, caller: Caller) async throws(ServerError) -> ImageSettings {
        let catalog = try catalogService()
        let author = author(caller)
        return try await netboot(caller, "image.settings", "kept") { try await catalog.setImageSettings(settings, author: author) }
    }
}

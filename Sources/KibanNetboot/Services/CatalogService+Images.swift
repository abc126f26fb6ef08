public import Foundation
import KibanStore

/// Images: an id is used once (a deleted id leaves a tombstone and is not uploaded again without
/// `force`), and the newest ``ImageSettings/kept`` images are kept.
extension CatalogService {
    /// Refuses an upload before its bytes arrive: a bad id, an existing id, or a deleted id
    /// (unless `force`).
    public func checkImageUpload(id: String, force: Bool) async throws {
        if let problem = CatalogName.problem(id) { throw NetbootError(.invalidInput, "image id \(id): \(problem)") }
        guard !force else { return }
        if let existing = try await store.record(ImageRecord.self, at: NetbootKeys.image(id)) {
            throw NetbootError(
                .conflict, "image \(id) already exists (uploaded \(Self.rfc3339(existing.value.uploaded))); choose a new id, or pass --force to replace it")
        }
        if let gone = try await store.record(ImageTombstone.self, at: NetbootKeys.deletedImage(id)) {
            throw NetbootError(
                .conflict,
                "image \(id) was deleted at \(Self.rfc3339(gone.value.deleted)) (\(gone.value.reason)); ids are not reused by mistake: choose a new id, or pass --force to upload it again"
            )
        }
    }

    /// Records an uploaded image (its blobs are in place on `holder`'s member) with that
    /// member's presence, in one transaction that also checks the id is still free; then
    /// applies retention.
    @discardableResult
    public func commitImage(
        id: String, kernel: BlobReference, initrd: BlobReference, force: Bool,
        holder: PresenceRecord, author: ChangeAuthor
    ) async throws -> CatalogImage {
        let record = ImageRecord(id: id, kernel: kernel, initrd: initrd, uploaded: author.time)
        let compares =
            force
            ? []
            : [
                Compare(NetbootKeys.image(id), .equal, .version(0)),
                Compare(NetbootKeys.deletedImage(id), .equal, .version(0)),
            ]
        let writes =
            try NetbootCodec.puts([(NetbootKeys.image(id), record)])
            + (try Self.presenceWrites([kernel, initrd], holder: holder))
            + [
                KibanStore.Operation.delete(.key(NetbootKeys.deletedImage(id))),
                try author.auditPut("image.upload", id, detail: "kernel \(kernel.sha256), initrd \(initrd.sha256)"),
            ]
        let result = try await store.txn(Txn(compares: compares, success: writes))
        guard result.succeeded else {
            throw NetbootError(.conflict, "image \(id) was created or deleted while it uploaded; nothing was recorded. Choose a new id, or pass --force")
        }
        try await applyRetention(author: author)
        let roles = RoleImageChoice.roles(byImage: try await roleImages())
        return CatalogImage(record, presence: try await presence(), roles: roles[id] ?? [])
    }

    /// Deletes the oldest images beyond the kept number, leaving tombstones; an image a role is
    /// assigned to is never deleted. The images read must be unchanged when the deletion
    /// commits (an assignment rewrites its image), else retention waits for the next upload.
    func applyRetention(author: ChangeAuthor) async throws {
        let kept = try await imageSettings().kept
        let catalog = try await store.catalog()
        let assigned = Set(try await roleImages().values)
        let expired = ImageRetention.expired(catalog.images, kept: kept).filter { !assigned.contains($0) }
        guard !expired.isEmpty else { return }
        let reason = "retention keeps the newest \(kept)"
        let tombstones = expired.map { (NetbootKeys.deletedImage($0), ImageTombstone(id: $0, deleted: author.time, reason: reason)) }
        let writes =
            try NetbootCodec.puts(tombstones) + expired.flatMap(Self.imageDeletes)
            + [try author.auditPut("image.retention", expired.joined(separator: ", "), detail: reason)]
        let compares = expired.map { Compare(NetbootKeys.image($0), .less, .modRevision(catalog.revision + 1)) }
        _ = try await store.txn(Txn(compares: compares, success: writes))
    }

    /// What deleting image `id` removes: its record and its kernel parameters.
    static func imageDeletes(_ id: String) -> [KibanStore.Operation] {
        [.delete(.key(NetbootKeys.image(id))), .delete(.key(NetbootKeys.imageKernelParams(id)))]
    }

    /// Every image, newest first.
    public func images() async throws -> [CatalogImage] {
        let catalog = try await store.catalog()
        let presence = try await presence()
        let roles = RoleImageChoice.roles(byImage: try await roleImages())
        return catalog.images.sorted { ($0.uploaded, $0.id) > ($1.uploaded, $1.id) }
            .map { CatalogImage($0, presence: presence, roles: roles[$0.id] ?? []) }
    }

    /// Deletes image `id`: the record goes, a tombstone stays; blobs are collected later.
    /// Refused while a role is assigned the image.
    public func deleteImage(id: String, reason: String, author: ChangeAuthor) async throws {
        // The image first, the assignments second: an assignment made in between changes the
        // image's mod revision, so the compare below fails.
        let image = try await existingImage(id)
        let roles = RoleImageChoice.roles(byImage: try await roleImages())[id] ?? []
        guard roles.isEmpty else {
            throw NetbootError(
                .conflict,
                "image \(id) is assigned to role \(roles.joined(separator: ", ")); assign another image (kiban images assign ROLE ID) or unassign (kiban images unassign ROLE) first"
            )
        }
        let tombstone = ImageTombstone(id: id, deleted: author.time, reason: reason)
        let writes =
            try NetbootCodec.puts([(NetbootKeys.deletedImage(id), tombstone)]) + Self.imageDeletes(id)
            + [try author.auditPut("image.delete", id)]
        let result = try await store.txn(Txn(compares: [Compare(image.key, .equal, .modRevision(image.modRevision))], success: writes))
        guard result.succeeded else {
            throw NetbootError(
                .conflict, "image \(id) changed while it was being deleted (assigned to a role or replaced); check kiban images list and run the command again")
        }
    }

    /// The image settings, the defaults when never set.
    public func imageSettings() async throws -> ImageSettings {
        try await store.record(ImageSettings.self, at: NetbootKeys.imageSettings)?.value ?? .standard
    }

    /// Sets how many images are kept; applies at the next upload.
    @discardableResult
    public func setImageSettings(_ settings: ImageSettings, author: ChangeAuthor) async throws -> ImageSettings {
        guard ImageSettings.keptRange.contains(settings.kept) else {
            throw NetbootError(
                .invalidInput, "the number of images kept must be from \(ImageSettings.keptRange.lowerBound) to \(ImageSettings.keptRange.upperBound)")
        }
        let writes =
            try NetbootCodec.puts([(NetbootKeys.imageSettings, settings)])
            + [try author.auditPut("image.settings", "kept", detail: "\(settings.kept)")]
        _ = try await store.txn(Txn(success: writes))
        return settings
    }

    /// The stored image `id`, or a not-found error that says whether it was deleted.
    func existingImage(_ id: String) async throws -> KeyValue {
        if let kv = try await store.get(NetbootKeys.image(id)) { return kv }
        if let gone = try await store.record(ImageTombstone.self, at: NetbootKeys.deletedImage(id)) {
            throw NetbootError(
                .notFound, "image \(id) was deleted at \(Self.rfc3339(gone.value.deleted)) (\(gone.value.reason)); `kiban images list` shows those there are")
        }
        throw NetbootError(.notFound, "there is no image \(id); `kiban images list` shows those there are")
    }

    /// A time as messages show it: RFC 3339, UTC.
    public static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}

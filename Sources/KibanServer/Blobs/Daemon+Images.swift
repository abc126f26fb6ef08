import Foundation
import KibanNetboot
import KibanStore

/// `kiban images`: records in the store, files as blobs (uploads arrive through ``AdminUpload``).
extension Daemon {
    /// Refuses an upload before its bytes arrive: a bad id, an existing id, or a deleted id
    /// (unless `force`).
    func checkImageUpload(id: String, force: Bool) async throws(ServerError) {
        if let problem = CatalogName.problem(id) { throw ServerError(.badRequest, "image id \(id): \(problem)") }
        guard !force else { return }
        let store = try requireStore()
        if let existing = try await storeCall({ () throws(StoreError) in try await store.record(ImageRecord.self, at: NetbootKeys.image(id)) }) {
            throw ServerError(.conflict, "image \(id) already exists (uploaded \(Timestamp.rfc3339(existing.value.uploaded))); choose a new id, or pass --force to replace it")
        }
        if let gone = try await storeCall({ () throws(StoreError) in try await store.record(ImageTombstone.self, at: NetbootKeys.deletedImage(id)) }) {
            throw ServerError(.conflict, "image \(id) was deleted at \(Timestamp.rfc3339(gone.value.deleted)) (\(gone.value.reason)); ids are not reused by mistake: choose a new id, or pass --force to upload it again")
        }
    }

    /// Records an uploaded image (its blobs are in place here) with this member's presence, in
    /// one transaction that also checks the id is still free; then applies retention.
    func commitImage(id: String, kernel: BlobReference, initrd: BlobReference, force: Bool, caller: Caller) async throws(ServerError) -> ImageView {
        let store = try requireStore()
        let record = ImageRecord(id: id, kernel: kernel, initrd: initrd, uploaded: Date())
        let compares = force ? [] : [Compare(NetbootKeys.image(id), .equal, .version(0)),
                                     Compare(NetbootKeys.deletedImage(id), .equal, .version(0))]
        let writes = try encodeOperations([(NetbootKeys.image(id), record)]) + (try encodeOperations(presenceWrites([kernel, initrd])))
            + [KibanStore.Operation.delete(.key(NetbootKeys.deletedImage(id))),
               try auditPut(caller, "image.upload", id, detail: "kernel \(kernel.sha256), initrd \(initrd.sha256)")]
        let result = try await storeCall { () throws(StoreError) in try await store.txn(Txn(compares: compares, success: writes)) }
        guard result.succeeded else {
            throw ServerError(.conflict, "image \(id) was created or deleted while it uploaded; nothing was recorded. Choose a new id, or pass --force")
        }
        try await applyRetention(store, caller: caller)
        let presence = try await memberPresence(store)
        let roles = RoleImageChoice.roles(byImage: try await roleImages(store))
        return ImageView(record, presence: presence, roles: roles[id] ?? [])
    }

    /// Deletes the oldest images beyond the kept number, leaving tombstones; an image a role is
    /// assigned to is never deleted. The images read must be unchanged when the deletion
    /// commits (an assignment rewrites its image), else retention waits for the next upload.
    private func applyRetention(_ store: Store, caller: Caller) async throws(ServerError) {
        let kept = try await imageSettings().kept
        let catalog = try await storeCall { () throws(StoreError) in try await store.catalog() }
        let assigned = Set(try await roleImages(store).values)
        let expired = ImageRetention.expired(catalog.images, kept: kept).filter { !assigned.contains($0) }
        guard !expired.isEmpty else { return }
        let tombstones = expired.map { (NetbootKeys.deletedImage($0), ImageTombstone(id: $0, deleted: Date(), reason: "retention keeps the newest \(kept)")) }
        let writes = try encodeOperations(tombstones) + expired.flatMap(Self.imageDeletes)
            + [try auditPut(caller, "image.retention", expired.joined(separator: ", "), detail: "retention keeps the newest \(kept)")]
        let compares = expired.map { Compare(NetbootKeys.image($0), .less, .modRevision(catalog.revision + 1)) }
        let result = try await storeCall { () throws(StoreError) in try await store.txn(Txn(compares: compares, success: writes)) }
        guard result.succeeded else { return }
    }

    /// What deleting image `id` removes: its record and its kernel parameters.
    static func imageDeletes(_ id: String) -> [KibanStore.Operation] {
        [.delete(.key(NetbootKeys.image(id))), .delete(.key(NetbootKeys.imageKernelParams(id)))]
    }

    /// `kiban images list`: newest first.
    func images() async throws(ServerError) -> [ImageView] {
        let store = try requireStore()
        let catalog = try await storeCall { () throws(StoreError) in try await store.catalog() }
        let presence = try await memberPresence(store)
        let roles = RoleImageChoice.roles(byImage: try await roleImages(store))
        return catalog.images.sorted { ($0.uploaded, $0.id) > ($1.uploaded, $1.id) }.map { ImageView($0, presence: presence, roles: roles[$0.id] ?? []) }
    }

    /// `kiban images delete ID`: the record goes, a tombstone stays; blobs are collected later.
    /// Refused while a role is assigned the image.
    func deleteImage(id: String, caller: Caller) async throws(ServerError) {
        let store = try requireStore()
        // The image first, the assignments second: an assignment made in between changes the
        // image's mod revision, so the compare below fails.
        let image = try await existingImage(id, store)
        let roles = RoleImageChoice.roles(byImage: try await roleImages(store))[id] ?? []
        guard roles.isEmpty else {
            throw ServerError(.conflict, "image \(id) is assigned to role \(roles.joined(separator: ", ")); assign another image (kiban images assign ROLE ID) or unassign (kiban images unassign ROLE) first")
        }
        let tombstone = ImageTombstone(id: id, deleted: Date(), reason: "deleted by uid \(caller.uid)")
        let writes = try encodeOperations([(NetbootKeys.deletedImage(id), tombstone)]) + Self.imageDeletes(id)
            + [try auditPut(caller, "image.delete", id)]
        let result = try await storeCall { () throws(StoreError) in
            try await store.txn(Txn(compares: [Compare(image.key, .equal, .modRevision(image.modRevision))], success: writes))
        }
        guard result.succeeded else { throw ServerError(.conflict, "image \(id) changed while it was being deleted (assigned to a role or replaced); check kiban images list and run the command again") }
    }

    /// The image settings, the defaults when never set.
    func imageSettings() async throws(ServerError) -> ImageSettings {
        let store = try requireStore()
        let record = try await storeCall { () throws(StoreError) in try await store.record(ImageSettings.self, at: NetbootKeys.imageSettings) }
        return record?.value ?? .standard
    }

    /// `kiban images keep N`: applies at the next upload.
    func setImageSettings(_ settings: ImageSettings, caller: Caller) async throws(ServerError) -> ImageSettings {
        guard ImageSettings.keptRange.contains(settings.kept) else {
            throw ServerError(.badRequest, "the number of images kept must be from \(ImageSettings.keptRange.lowerBound) to \(ImageSettings.keptRange.upperBound)")
        }
        let store = try requireStore()
        let writes = try encodeOperations([(NetbootKeys.imageSettings, settings)]) + [try auditPut(caller, "image.settings", "kept", detail: "\(settings.kept)")]
        _ = try await storeCall { () throws(StoreError) in try await store.txn(Txn(success: writes)) }
        return settings
    }

    /// This member's presence keys for `blobs`.
    func presenceWrites(_ blobs: [BlobReference]) -> [([UInt8], PresenceRecord)] {
        blobs.map { (NetbootKeys.presence($0.sha256, member: config.name), presenceRecord) }
    }

    func encodeOperations<Value: Encodable>(_ records: [([UInt8], Value)]) throws(ServerError) -> [KibanStore.Operation] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var operations: [KibanStore.Operation] = []
        for (key, value) in records {
            do { operations.append(.put(key: key, value: Array(try encoder.encode(value)), lease: 0)) } catch {
                throw ServerError(.internal, "cannot encode \(String(decoding: key, as: UTF8.self)): \(error)")
            }
        }
        return operations
    }
}

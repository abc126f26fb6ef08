import Foundation
import KibanNetboot
import KibanStore

/// `PUT /v1/role-images/<role>`.
public struct RoleImageBody: Codable, Sendable {
    public var image: String

    public init(image: String) { self.image = image }
}

/// An assignment as the admin API shows it.
public struct RoleImageView: Codable, Sendable, Hashable {
    public var role: String
    public var image: String
    /// RFC 3339, UTC.
    public var assigned: String

    init(_ r: RoleImageRecord) {
        self.init(role: r.role, image: r.image, assigned: Timestamp.rfc3339(r.assigned))
    }

    init(role: String, image: String, assigned: String) {
        self.role = role
        self.image = image
        self.assigned = assigned
    }
}

/// `kiban images assign|unassign` and `kiban kernel-params set --image`.
///
/// An assignment and the deletion of its image cannot both succeed: assigning rewrites the image
/// record unchanged in the same transaction, and deleting compares the record's mod revision read
/// before the assignments were, so one of two racing writes fails and is retried by its caller.
extension Daemon {
    /// Every assignment, role → image id (linearizable).
    func roleImages(_ store: Store) async throws(ServerError) -> [String: String] {
        let page = try await storeCall { () throws(StoreError) in try await store.range(.prefix(Array(NetbootKeys.roleImagesPrefix.utf8))) }
        let records = page.kvs.compactMap { try? JSONDecoder().decode(RoleImageRecord.self, from: Data($0.value)) }
        return Dictionary(records.map { ($0.role, $0.image) }, uniquingKeysWith: { a, _ in a })
    }

    /// `kiban images roles`: every assignment, by role.
    func roleImageList() async throws(ServerError) -> [RoleImageView] {
        let store = try requireStore()
        let page = try await storeCall { () throws(StoreError) in try await store.range(.prefix(Array(NetbootKeys.roleImagesPrefix.utf8))) }
        return page.kvs.compactMap { try? JSONDecoder().decode(RoleImageRecord.self, from: Data($0.value)) }.sorted { $0.role < $1.role }.map(RoleImageView.init)
    }

    /// `kiban images assign ROLE ID`: machines of `role` boot image `id` from now on.
    func assignImage(role: String, _ body: RoleImageBody, caller: Caller) async throws(ServerError) -> RoleImageView {
        let store = try requireStore()
        try Self.checkName(role, "role")
        let image = try await existingImage(body.image, store)
        let record = RoleImageRecord(role: role, image: body.image, assigned: Date())
        let writes = try encodeOperations([(NetbootKeys.roleImage(role), record)])
            + [KibanStore.Operation.put(key: image.key, value: image.value, lease: 0), try auditPut(caller, "image.assign", role, detail: "image \(body.image)")]
        let result = try await storeCall { () throws(StoreError) in
            try await store.txn(Txn(compares: [Compare(image.key, .equal, .modRevision(image.modRevision))], success: writes))
        }
        guard result.succeeded else {
            throw ServerError(.conflict, "image \(body.image) changed while it was being assigned (deleted or replaced); run the command again")
        }
        return RoleImageView(record)
    }

    /// `kiban images unassign ROLE`: the role boots the newest image again.
    func unassignImage(role: String, caller: Caller) async throws(ServerError) -> [String: String] {
        let store = try requireStore()
        let deleted = try await deleteAudited(NetbootKeys.roleImage(role), try auditPut(caller, "image.unassign", role), store: store)
        guard !deleted.isEmpty else {
            throw ServerError(.notFound, "role \(role) has no image assigned (it boots the newest image); `kiban images roles` lists assignments")
        }
        let previous = try? JSONDecoder().decode(RoleImageRecord.self, from: Data(deleted[0].value))
        return ["role": role, "unassigned": previous?.image ?? ""]
    }

    /// `kiban kernel-params set --image ID PARAMS`.
    func setImageKernelParams(image: String, _ body: KernelParamsBody, caller: Caller) async throws(ServerError) -> ImageKernelParamsRecord {
        let store = try requireStore()
        let params = try Self.checkedKernelParams(body.params)
        let record = ImageKernelParamsRecord(image: image, params: params)
        let compare = Compare(NetbootKeys.image(image), .greater, .version(0))
        let writes = try encodeOperations([(NetbootKeys.imageKernelParams(image), record)])
            + [try auditPut(caller, "kernel-params.set", "image \(image)", detail: params)]
        let result = try await storeCall { () throws(StoreError) in try await store.txn(Txn(compares: [compare], success: writes)) }
        guard result.succeeded else { throw ServerError(.notFound, "there is no image \(image); `kiban images list` shows those there are") }
        return record
    }

    /// `kiban kernel-params get --image [ID]`.
    func imageKernelParams(image: String?) async throws(ServerError) -> [ImageKernelParamsRecord] {
        let store = try requireStore()
        let range: KeyRange = image.map { KeyRange.key(NetbootKeys.imageKernelParams($0)) } ?? .prefix(Array(NetbootKeys.imageKernelParamsPrefix.utf8))
        let page = try await storeCall { () throws(StoreError) in try await store.range(range) }
        let records = page.kvs.compactMap { try? JSONDecoder().decode(ImageKernelParamsRecord.self, from: Data($0.value)) }
        if let image, records.isEmpty {
            throw ServerError(.notFound, "image \(image) has no kernel parameters; set them with kiban kernel-params set --image \(image) PARAMS")
        }
        return records.sorted { $0.image < $1.image }
    }

    /// The stored image `id`, or a not-found error that says whether it was deleted.
    func existingImage(_ id: String, _ store: Store) async throws(ServerError) -> KeyValue {
        if let kv = try await storeCall({ () throws(StoreError) in try await store.get(NetbootKeys.image(id)) }) { return kv }
        if let gone = try await storeCall({ () throws(StoreError) in try await store.record(ImageTombstone.self, at: NetbootKeys.deletedImage(id)) }) {
            throw ServerError(.notFound, "image \(id) was deleted at \(Timestamp.rfc3339(gone.value.deleted)) (\(gone.value.reason)); `kiban images list` shows those there are")
        }
        throw ServerError(.notFound, "there is no image \(id); `kiban images list` shows those there are")
    }
}

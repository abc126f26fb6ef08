import Foundation
import KibanStore

/// Role assignments and image kernel parameters.
///
/// An assignment and the deletion of its image cannot both succeed: assigning rewrites the image
/// record unchanged in the same transaction, and deleting compares the record's mod revision read
/// before the assignments were, so one of two racing writes fails and is retried by its caller.
extension CatalogService {
    /// Every assignment, role → image id (linearizable).
    public func roleImages() async throws -> [String: String] {
        let records = try await roleImageRecords()
        return Dictionary(records.map { ($0.role, $0.image) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every assignment, by role.
    public func roleImageRecords() async throws -> [RoleImageRecord] {
        let page = try await store.range(.prefix(Array(NetbootKeys.roleImagesPrefix.utf8)))
        return NetbootCodec.decodeAll(RoleImageRecord.self, page.kvs).sorted { $0.role < $1.role }
    }

    /// Machines of `role` boot image `image` from now on.
    @discardableResult
    public func assign(role: String, image id: String, author: ChangeAuthor) async throws -> RoleImageRecord {
        try NetbootCodec.checkName(role, "role")
        let image = try await existingImage(id)
        let record = RoleImageRecord(role: role, image: id, assigned: author.time)
        let writes =
            try NetbootCodec.puts([(NetbootKeys.roleImage(role), record)])
            + [
                KibanStore.Operation.put(key: image.key, value: image.value, lease: 0),
                try author.auditPut("image.assign", role, detail: "image \(id)"),
            ]
        let result = try await store.txn(Txn(compares: [Compare(image.key, .equal, .modRevision(image.modRevision))], success: writes))
        guard result.succeeded else {
            throw NetbootError(.conflict, "image \(id) changed while it was being assigned (deleted or replaced); run the command again")
        }
        return record
    }

    /// The role boots the newest image again; returns the image it was assigned.
    @discardableResult
    public func unassign(role: String, author: ChangeAuthor) async throws -> String {
        let key = NetbootKeys.roleImage(role)
        let deleted = try await store.deleteAudited(key, try author.auditPut("image.unassign", role))
        guard let previous = deleted.first else {
            throw NetbootError(.notFound, "role \(role) has no image assigned (it boots the newest image); `kiban images roles` lists assignments")
        }
        return NetbootCodec.decodeAll(RoleImageRecord.self, [previous]).first?.image ?? ""
    }

    /// Kernel parameters every machine booting image `image` gets, before its role's.
    @discardableResult
    public func setKernelParams(image: String, params: String, author: ChangeAuthor) async throws -> ImageKernelParamsRecord {
        let params = try KernelCommandLine.checked(params)
        let record = ImageKernelParamsRecord(image: image, params: params)
        let compare = Compare(NetbootKeys.image(image), .greater, .version(0))
        let writes =
            try NetbootCodec.puts([(NetbootKeys.imageKernelParams(image), record)])
            + [try author.auditPut("kernel-params.set", "image \(image)", detail: params)]
        let result = try await store.txn(Txn(compares: [compare], success: writes))
        guard result.succeeded else { throw NetbootError(.notFound, "there is no image \(image); `kiban images list` shows those there are") }
        return record
    }

    /// One image's kernel parameters, or every image's (by image id).
    public func kernelParams(image: String?) async throws -> [ImageKernelParamsRecord] {
        let range: KeyRange = image.map { .key(NetbootKeys.imageKernelParams($0)) } ?? .prefix(Array(NetbootKeys.imageKernelParamsPrefix.utf8))
        let records = NetbootCodec.decodeAll(ImageKernelParamsRecord.self, try await store.range(range).kvs)
        if let image, records.isEmpty {
            throw NetbootError(.notFound, "image \(image) has no kernel parameters; set them with kiban kernel-params set --image \(image) PARAMS")
        }
        return records.sorted { $0.image < $1.image }
    }
}

extension Store {
    /// Deletes `key` if it exists, with its audit entry in the same transaction; returns what was
    /// deleted (nothing, and no entry, when the key did not exist).
    func deleteAudited(_ key: [UInt8], _ audit: KibanStore.Operation) async throws(StoreError) -> [KeyValue] {
        let result = try await txn(Txn(compares: [Compare(key, .greater, .version(0))], success: [.delete(.key(key)), audit]))
        guard result.succeeded, case .delete(let deleted)? = result.results.first else { return [] }
        return deleted
    }
}

/// The kernel command line a role or an image adds.
public enum KernelCommandLine {
    /// The longest accepted (x86 Linux takes 2048 bytes; Kiban adds the serial and the
    /// configuration URL).
    public static let bytesMax = 1536

    /// `params` without surrounding blanks, or why it cannot be a kernel command line.
    public static func checked(_ params: String) throws(NetbootError) -> String {
        let params = params.trimmingCharacters(in: .whitespaces)
        guard params.utf8.count <= bytesMax else {
            throw NetbootError(.invalidInput, "kernel parameters are at most \(bytesMax) bytes (got \(params.utf8.count))")
        }
        guard !params.contains(where: { $0.isNewline || $0 == "$" }) else {
            throw NetbootError(.invalidInput, "kernel parameters must be one line without '$' (iPXE would expand it)")
        }
        return params
    }
}

import Foundation
public import KibanStore

/// The netboot catalog kept in the replicated store: images (with retention, tombstones and role
/// assignments), their kernel parameters, and assets. Each change is one store transaction that
/// also writes its audit entry; the compares in it keep two racing changes from both succeeding.
/// The blobs themselves are in each member's ``BlobDirectory``: a change here records where they
/// are (presence), not their bytes.
///
/// ```swift
/// let catalog = CatalogService(store: store)
/// try await catalog.checkImageUpload(id: "flatcar-4081", force: false)
/// let image = try await catalog.commitImage(id: "flatcar-4081", kernel: k, initrd: i, force: false,
///                                           holder: presence, author: author)
/// try await catalog.assign(role: "worker", image: "flatcar-4081", author: author)
/// ```
///
/// Methods throw ``NetbootError`` for what the operator must fix, and `StoreError` when the store
/// cannot answer.
public struct CatalogService: Sendable {
    /// The store the catalog lives in.
    public let store: Store
    /// The names of the cluster's current members: presence keys of others are ignored (a
    /// removed member cannot withdraw its keys, and no longer serves anything). Nil: every key.
    public var members: @Sendable () -> Set<String>? = { nil }

    /// Creates the service over `store`.
    public init(store: Store) {
        self.store = store
    }

    /// Presence records by blob hash, of current members only.
    public func presence() async throws -> [String: [PresenceRecord]] {
        let all = try await store.presenceByBlob()
        guard let names = members() else { return all }
        return all.mapValues { $0.filter { names.contains($0.member) } }
    }

    /// The puts of `holder`'s presence keys for `blobs`.
    static func presenceWrites(_ blobs: [BlobReference], holder: PresenceRecord) throws(NetbootError) -> [KibanStore.Operation] {
        try NetbootCodec.puts(blobs.map { (NetbootKeys.presence($0.sha256, member: holder.member), holder) })
    }
}

/// An image as listings show it: its record, the current members holding both its files, and the
/// roles assigned it.
public struct CatalogImage: Sendable, Hashable {
    public var record: ImageRecord
    /// Members holding verified copies of both files, sorted.
    public var holders: [String]
    /// Roles assigned this image, sorted.
    public var roles: [String]

    public init(_ record: ImageRecord, presence: [String: [PresenceRecord]], roles: [String]) {
        let kernel = Set((presence[record.kernel.sha256] ?? []).map(\.member))
        let initrd = Set((presence[record.initrd.sha256] ?? []).map(\.member))
        self.record = record
        self.holders = kernel.intersection(initrd).sorted()
        self.roles = roles
    }
}

/// An asset as listings show it: its record and the current members holding its file.
public struct CatalogAsset: Sendable, Hashable {
    public var record: AssetRecord
    /// Members holding a verified copy, sorted.
    public var holders: [String]

    init(_ record: AssetRecord, presence: [String: [PresenceRecord]]) {
        self.record = record
        self.holders = (presence[record.blob.sha256] ?? []).map(\.member).sorted()
    }
}

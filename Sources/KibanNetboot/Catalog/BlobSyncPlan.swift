public import Foundation

/// What one member does next about blobs, decided from the records, its own directory and the
/// presence keys (a pure function: the replicator performs the plan).
public struct BlobSyncPlan: Sendable, Hashable {
    /// Referenced blobs this member lacks: fetch from a member that has them.
    public var fetch: [BlobReference] = []
    /// Referenced blobs held here without this member's presence key: write it.
    public var announce: [String] = []
    /// This member's presence keys for blobs it does not hold (collected, lost): delete them.
    public var withdraw: [String] = []
    /// Blobs (complete or partial) to delete: unreferenced for the grace period, or damaged.
    public var collect: [String] = []
    /// When each unreferenced blob was first seen unreferenced (carried to the next round).
    public var unreferencedSince: [String: Date] = [:]

    /// The plan for `member`.
    /// - Parameters:
    ///   - wanted: every blob a record references, by hash.
    ///   - local: the complete blobs here; partials: hashes of partial transfers here.
    ///   - presence: every presence record, by hash.
    ///   - now, grace: a blob is collected once unreferenced for `grace` both by this member's
    ///     observation (`unreferencedSince`) and by its file's age.
    public static func make(
        member: String, wanted: [String: BlobReference], local: [BlobDirectory.Entry], partials: [String],
        presence: [String: [PresenceRecord]], now: Date, grace: TimeInterval,
        unreferencedSince: [String: Date]
    ) -> BlobSyncPlan {
        var plan = BlobSyncPlan()
        var held = Set<String>()
        for entry in local {
            if let want = wanted[entry.sha256] {
                if want.size == entry.size { held.insert(entry.sha256) } else { plan.collect.append(entry.sha256) }
                continue
            }
            let since = unreferencedSince[entry.sha256] ?? now
            plan.unreferencedSince[entry.sha256] = since
            if now.timeIntervalSince(since) >= grace && now.timeIntervalSince(entry.modified) >= grace {
                plan.collect.append(entry.sha256)
            }
        }
        let localHashes = Set(local.map(\.sha256))
        for hash in partials where wanted[hash] == nil && !localHashes.contains(hash) {
            let since = unreferencedSince[hash] ?? now
            plan.unreferencedSince[hash] = since
            if now.timeIntervalSince(since) >= grace { plan.collect.append(hash) }
        }
        for (hash, blob) in wanted.sorted(by: { $0.key < $1.key }) {
            let announced = presence[hash]?.contains { $0.member == member } ?? false
            if held.contains(hash) {
                if !announced { plan.announce.append(hash) }
            } else {
                plan.fetch.append(blob)
            }
        }
        let collected = Set(plan.collect)
        for (hash, records) in presence.sorted(by: { $0.key < $1.key }) where records.contains(where: { $0.member == member }) {
            if !localHashes.contains(hash) || collected.contains(hash) { plan.withdraw.append(hash) }
        }
        plan.collect.sort()
        return plan
    }
}

import Foundation
import KibanNetboot
import KibanStore
import KibanTestSupport

/// A fixed time: the service tests never read the clock.
let serviceT0 = Date(timeIntervalSince1970: 1_800_000_000)

/// alice on member m1, `seconds` after ``serviceT0``.
func alice(_ seconds: Double = 0) -> ChangeAuthor {
    ChangeAuthor(actor: "uid=1000(alice) gid=1000(alice)", member: "m1", time: serviceT0 + seconds)
}

/// A blob reference whose hash is `digit` repeated (a valid SHA-256 hex string).
func blob(_ digit: Character, size: UInt64 = 10) -> BlobReference {
    BlobReference(sha256: String(repeating: digit, count: 64), size: size)
}

/// Member m1's presence.
let m1 = PresenceRecord(member: "m1", http: "http://10.0.0.1:10080")

extension Store {
    /// The audit entries with `action` (a dotted prefix), in time order.
    func audit(_ action: String) async throws -> [AuditEntry] {
        try await auditLog(AuditQuery(action: action)).entries
    }
}

extension CatalogService {
    /// Uploads image `id` with kernel and initrd blobs named by two digits, on m1.
    @discardableResult
    func upload(_ id: String, _ kernel: Character, _ initrd: Character, at seconds: Double) async throws -> CatalogImage {
        try await commitImage(id: id, kernel: blob(kernel), initrd: blob(initrd), force: false, holder: m1, author: alice(seconds))
    }
}

/// A one-member store for a service test.
func oneMemberStore() async throws -> StoreCluster {
    try await StoreCluster(members: 1, label: "kiban-netboot-test")
}

import Foundation
import KibanNetboot
import Testing

@Suite("Blob sync plan")
struct BlobSyncPlanTests {
    static let now = Date(timeIntervalSince1970: 2_000_000)
    static func hash(_ c: Character) -> String { String(repeating: c, count: 64) }
    static func blob(_ c: Character, _ size: UInt64 = 10) -> BlobReference { BlobReference(sha256: hash(c), size: size) }
    static func entry(_ c: Character, _ size: UInt64 = 10, age: TimeInterval = 3600) -> BlobDirectory.Entry {
        BlobDirectory.Entry(sha256: hash(c), size: size, modified: now - age)
    }
    static func here(_ member: String) -> PresenceRecord { PresenceRecord(member: member, http: "http://x:1") }

    @Test("Missing blobs are fetched, held ones announced once, lost ones withdrawn")
    func fetchAnnounceWithdraw() {
        let plan = BlobSyncPlan.make(
            member: "m1", wanted: [Self.hash("a"): Self.blob("a"), Self.hash("b"): Self.blob("b"), Self.hash("c"): Self.blob("c")],
            local: [Self.entry("a"), Self.entry("b")], partials: [],
            presence: [Self.hash("a"): [Self.here("m1")], Self.hash("c"): [Self.here("m1"), Self.here("m2")]],
            now: Self.now, grace: 60, unreferencedSince: [:])
        #expect(plan.fetch == [Self.blob("c")])
        #expect(plan.announce == [Self.hash("b")])
        #expect(plan.withdraw == [Self.hash("c")])
        #expect(plan.collect.isEmpty)
    }

    @Test("An unreferenced blob is collected only after the grace period, counted from when it was first seen and from its file's age")
    func grace() {
        let wanted: [String: BlobReference] = [:]
        let presence = [Self.hash("a"): [Self.here("m1")]]
        let first = BlobSyncPlan.make(
            member: "m1", wanted: wanted, local: [Self.entry("a")], partials: [], presence: presence,
            now: Self.now, grace: 60, unreferencedSince: [:])
        #expect(first.collect.isEmpty && first.withdraw.isEmpty)
        #expect(first.unreferencedSince == [Self.hash("a"): Self.now])
        let later = BlobSyncPlan.make(
            member: "m1", wanted: wanted, local: [Self.entry("a")], partials: [], presence: presence,
            now: Self.now + 61, grace: 60, unreferencedSince: first.unreferencedSince)
        #expect(later.collect == [Self.hash("a")])
        #expect(later.withdraw == [Self.hash("a")])
        // Moved into place 5 s before this round.
        let fresh = BlobSyncPlan.make(
            member: "m1", wanted: wanted, local: [Self.entry("a", age: -56)], partials: [], presence: [:],
            now: Self.now + 61, grace: 60, unreferencedSince: first.unreferencedSince)
        #expect(fresh.collect.isEmpty, "a file moved into place moments ago may belong to an upload being recorded")
    }

    @Test("A local blob of the wrong size is replaced; stale partial transfers go after the grace period")
    func damaged() {
        let plan = BlobSyncPlan.make(
            member: "m1", wanted: [Self.hash("a"): Self.blob("a", 10)], local: [Self.entry("a", 7)],
            partials: [Self.hash("b")], presence: [:], now: Self.now, grace: 0, unreferencedSince: [:])
        #expect(plan.collect == [Self.hash("a"), Self.hash("b")])
        #expect(plan.fetch == [Self.blob("a", 10)])
    }
}

import Foundation
import KibanNetboot
import Testing

@Suite("Blob quota and free-space floor")
struct BlobSpaceTests {
    static let disk = BlobSpaceLimits.Disk(totalBytes: 1000 << 20, availableBytes: 300 << 20)

    @Test(
        "The quota counts what is held and what would arrive, and names blob-quota",
        arguments: [
            (UInt64(0), UInt64(1000), true), (UInt64(400), UInt64(600), true), (UInt64(400), UInt64(601), false),
            (UInt64(1001), UInt64(0), false), (UInt64.max, UInt64.max, false),
        ])
    func quota(held: UInt64, incoming: UInt64, allowed: Bool) {
        let limits = BlobSpaceLimits(quotaBytes: 1000, floor: .bytes(0))
        let refusal = limits.refusal(incoming: incoming, blobBytes: held, disk: Self.disk)
        #expect((refusal == nil) == allowed)
        if let refusal {
            #expect(refusal.code == .noSpace && refusal.message.contains("blob-quota"))
        }
    }

    @Test(
        "The floor keeps a share or a number of bytes free, and names blob-free-space-floor",
        arguments: [
            (BlobSpaceLimits.Floor.percent(10), UInt64(200 << 20), true),  // 300 MiB free - 200 ≥ 100 MiB
            (.percent(10), UInt64(201 << 20), false),
            (.percent(30), UInt64(1), false),  // 300 MiB is the floor itself
            (.bytes(300 << 20), UInt64(0), true),
            (.bytes(UInt64.max), UInt64(1), false),
        ])
    func floor(_ floor: BlobSpaceLimits.Floor, incoming: UInt64, allowed: Bool) {
        let refusal = BlobSpaceLimits(quotaBytes: nil, floor: floor).refusal(incoming: incoming, blobBytes: 0, disk: Self.disk)
        #expect((refusal == nil) == allowed)
        if let refusal { #expect(refusal.message.contains("blob-free-space-floor")) }
    }

    @Test("A directory with a small quota refuses an upload and a transfer that would pass it")
    func smallQuota() throws {
        var blobs = try BlobStoreTests.directory()
        defer { try? FileManager.default.removeItem(atPath: blobs.root) }
        blobs.limits = BlobSpaceLimits(quotaBytes: 1000, floor: .bytes(0))
        try blobs.reserve(1000)
        let writer = try blobs.upload()
        try BlobStoreTests.write(writer, [UInt8](repeating: 7, count: 600))
        _ = try writer.finish()
        #expect(blobs.usedBytes() == 600)
        #expect(throws: BlobError.self) { try blobs.reserve(401) }
        let big = BlobReference(sha256: String(repeating: "ab", count: 32), size: 401)
        do {
            _ = try blobs.transfer(big)
            Issue.record("a transfer past the quota must be refused")
        } catch {
            #expect(error.code == .noSpace && error.message.contains("blob-quota"))
        }
        // What fits still goes in.
        _ = try blobs.transfer(BlobReference(sha256: String(repeating: "cd", count: 32), size: 400))
    }
}

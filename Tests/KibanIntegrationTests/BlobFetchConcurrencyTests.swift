import Foundation
import KibanTestSupport
import Testing

/// A member missing several blobs pulls up to three at once.
@Suite("Blob replication fetches several blobs at once", .serialized)
struct BlobFetchConcurrencyTests {
    /// Transfers in progress at once on `log`'s member, at their peak: "fetching a blob" starts
    /// one; "blob verified", a failure or a stop ends it.
    static func peakTransfers(in log: String) -> Int {
        var current = 0
        var peak = 0
        for line in log.split(separator: "\n") {
            if line.contains("fetching a blob") {
                current += 1
                peak = max(peak, current)
            } else if line.contains("blob verified") || line.contains("blob transfer failed") || line.contains("stopped fetching") {
                current -= 1
            }
        }
        return peak
    }

    @Test("A member that was down fetches the six blobs it missed, three at a time at most, and holds them all verified")
    func severalAtOnce() async throws {
        let cluster = try await BlobReplicationTests.startCluster("par")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: cluster.root)
        }
        let (a, c) = (cluster.members[0], cluster.members[2])
        let files = TestFiles(root: cluster.root)
        c.stop()
        var hashes: [String] = []
        for i in 1...3 {
            let kernel = try files.random("k\(i)", bytes: 3 << 20)
            let initrd = try files.random("i\(i)", bytes: 3 << 20)
            let r = a.cli("images", "upload", "img-\(i)", "--kernel", kernel, "--initrd", initrd)
            #expect(r.code == 0, "\(r.stderr)")
            hashes += [try sha256sum(kernel), try sha256sum(initrd)]
        }
        let logStart = c.log.count
        try await c.start()
        try await poll("the six blobs on the member that was down", seconds: 120) {
            hashes.allSatisfy { FileManager.default.fileExists(atPath: c.dataDir + "/blobs/sha256/" + $0) }
        }
        for hash in hashes { #expect(try sha256sum(c.dataDir + "/blobs/sha256/" + hash) == hash) }
        let peak = Self.peakTransfers(in: String(c.log.dropFirst(logStart)))
        #expect((2...3).contains(peak), "transfers at once: \(peak)")
        try await poll("img-3 listed on the member that was down", seconds: 60) {
            BlobReplicationTests.members(of: "img-3", seenBy: a).contains(c.name)
        }
    }
}

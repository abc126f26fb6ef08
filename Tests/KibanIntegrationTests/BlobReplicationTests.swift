import Foundation
import KibanAdminAPI
import KibanTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Images and assets on a real 3-member cluster, driven through the `kiban` CLI: uploads,
/// replication over the peer API, presence, retention, deleted ids, interrupted uploads, resumed
/// transfers and garbage collection.
@Suite("Images and assets, replicated", .serialized)
struct BlobReplicationTests {
    /// Blob files are collected 3 s after nothing references them; each transfer is sent at
    /// 16 MiB/s so that a test can interrupt one.
    static let environment = ["KIBAN_BLOB_GC_GRACE_SECONDS": "3", "KIBAN_BLOB_SEND_BYTES_PER_SECOND": "\(16 << 20)"]

    static func startCluster(_ label: String) async throws -> Cluster {
        let root = try temporaryDirectory(label)
        let members = (1...3).map { ServerProcess(name: "\(label)-\($0)", under: root) }
        for m in members {
            m.environment = environment
            try await m.start()
        }
        let cluster = Cluster(root: root, members: members)
        try await cluster.initialize()
        try await cluster.joinOthers()
        return cluster
    }

    @Test("An upload reaches every member verified; retention keeps N; a deleted id is refused; unreferenced blobs are collected")
    func replicateRetainCollect() async throws {
        let cluster = try await Self.startCluster("img")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: cluster.root)
        }
        let files = TestFiles(root: cluster.root)
        let (a, c) = (cluster.members[0], cluster.members[2])
        let names = cluster.members.map(\.name)

        let kernel = try files.random("vmlinuz-1", bytes: 3 << 20)
        let initrd = try files.random("initrd-1", bytes: 5 << 20 + 17)
        let up = a.cli("images", "upload", "img-1", "--kernel", kernel, "--initrd", initrd, "-o", "json")
        #expect(up.code == 0, "\(up.stderr)")
        #expect(up.stderr.contains("uploaded \((3 << 20) + (5 << 20) + 17) of"), "the final progress line: \(up.stderr)")
        let kernelHash = try sha256sum(kernel)
        let initrdHash = try sha256sum(initrd)
        #expect(((up.json["kernel"] as? [String: Any])?["sha256"] as? String) == kernelHash)

        try await poll("img-1 on all three members", seconds: 90) { Self.members(of: "img-1", seenBy: c) == names }
        for m in cluster.members {
            #expect(try sha256sum(m.dataDir + "/blobs/sha256/" + kernelHash) == kernelHash, "\(m.name)'s kernel")
            #expect(try sha256sum(m.dataDir + "/blobs/sha256/" + initrdHash) == initrdHash, "\(m.name)'s initrd")
        }
        #expect(c.cli("images", "list").stdout.contains(names.joined(separator: ",")))

        // Retention: keep 2; img-1 goes when img-3 arrives, and its id is then refused.
        #expect(a.cli("images", "keep", "2").code == 0)
        for i in 2...3 {
            let r = c.cli(
                "images", "upload", "img-\(i)", "--kernel", try files.random("k\(i)", bytes: 1000 + i),
                "--initrd", try files.random("i\(i)", bytes: 2000 + i))
            #expect(r.code == 0, "\(r.stderr)")
        }
        #expect(Self.imageIDs(seenBy: a) == ["img-3", "img-2"])
        let again = a.cli("images", "upload", "img-1", "--kernel", kernel, "--initrd", initrd)
        #expect(again.code != 0 && again.stderr.contains("img-1 was deleted"), "\(again.stderr)")
        #expect(a.cli("images", "delete", "img-2").code == 0)
        let deleted = c.cli("images", "upload", "img-2", "--kernel", kernel, "--initrd", initrd)
        #expect(deleted.code != 0 && deleted.stderr.contains("img-2 was deleted"), "\(deleted.stderr)")
        #expect(Self.imageIDs(seenBy: a) == ["img-3"])

        // Nothing references img-1's files now: every member deletes them and withdraws its presence.
        try await poll("img-1's blobs collected everywhere", seconds: 90) {
            cluster.members.allSatisfy { !FileManager.default.fileExists(atPath: $0.dataDir + "/blobs/sha256/" + kernelHash) }
        }
        try await poll("img-1's presence keys withdrawn", seconds: 90) {
            a.cli("kv", "list", "netboot/presence/\(kernelHash)/", "-o", "json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]"
        }

        // --force brings a deleted id back deliberately.
        let forced = a.cli("images", "upload", "img-1", "--kernel", kernel, "--initrd", initrd, "--force")
        #expect(forced.code == 0, "\(forced.stderr)")
        try await poll("the forced img-1 on all members", seconds: 90) { Self.members(of: "img-1", seenBy: a) == names }
    }

    @Test("An upload cut short leaves no file and no record; an asset's type is guessed; a transfer resumes from another member when its source dies")
    func interruptedUploadAndResume() async throws {
        let cluster = try await Self.startCluster("res")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: cluster.root)
        }
        let files = TestFiles(root: cluster.root)
        let (a, c) = (cluster.members[0], cluster.members[2])

        // A client that announces 64 MiB, sends 1 MiB and disappears.
        let admin = AdminClient(socketPath: a.socket)
        let fd = try admin.openConnection(timeoutSeconds: 0)
        try admin.writeAll(
            fd,
            Array("PUT /v1/assets/cut?size=\(64 << 20)&contentType=application/octet-stream HTTP/1.1\r\nHost: k\r\nContent-Length: \(64 << 20)\r\n\r\n".utf8))
        try admin.writeAll(fd, [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20))
        let partial = a.dataDir + "/blobs/partial"
        try await poll("the upload's partial file", seconds: 60) { !((try? FileManager.default.contentsOfDirectory(atPath: partial)) ?? []).isEmpty }
        close(fd)
        try await poll("the partial file deleted", seconds: 60) { ((try? FileManager.default.contentsOfDirectory(atPath: partial)) ?? []).isEmpty }
        #expect(a.cli("assets", "info", "cut").code != 0)
        #expect(a.cli("assets", "list", "-o", "json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")

        // Member 3 is down while a 64 MiB asset is uploaded to member 1 and copied to member 2.
        c.stop()
        let big = try files.random("rootfs.img.gz", bytes: 64 << 20)
        let hash = try sha256sum(big)
        let up = a.cli("assets", "upload", "rootfs", big, "-o", "json")
        #expect(up.code == 0, "\(up.stderr)")
        #expect(up.json["contentType"] as? String == "application/gzip")
        try await poll("the asset on two members", seconds: 90) {
            Self.assetMembers("rootfs", seenBy: a) == [a.name, cluster.members[1].name]
        }

        // Member 3 comes back and starts fetching; its source is killed mid-transfer.
        let logStart = c.log.count
        try await c.start()
        let partialFile = c.dataDir + "/blobs/partial/" + hash
        try await poll("member 3's transfer under way", seconds: 90) { Self.size(partialFile) > 8 << 20 }
        let source = try #require(Self.lastSource(in: String(c.log.dropFirst(logStart))))
        let victim = try #require(cluster.member(source))
        let had = Self.size(partialFile)
        victim.kill()
        try await poll("member 3 to finish from the other member", seconds: 120) {
            FileManager.default.fileExists(atPath: c.dataDir + "/blobs/sha256/" + hash)
        }
        #expect(try sha256sum(c.dataDir + "/blobs/sha256/" + hash) == hash)
        let log = String(c.log.dropFirst(logStart))
        let survivor = cluster.members.first { $0.name != source && $0.name != c.name }?.name ?? "?"
        let resumed = Self.resumedAt(in: log, source: survivor)
        #expect(
            resumed.map { $0 > 0 && $0 <= UInt64(64 << 20) } == true, "resumed at \(String(describing: resumed)) after \(had) bytes; log: \(log.suffix(3000))")
        try await victim.start()
        try await poll("the asset on all three members", seconds: 90) { Self.assetMembers("rootfs", seenBy: c).count == 3 }
    }

    @Test("A 512 MiB upload streams: the daemon's peak memory grows by far less than the file")
    func streamsLargeFiles() async throws {
        let root = try temporaryDirectory("img-big")
        let server = ServerProcess(name: "big-1", under: root)
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await server.start()
        #expect(server.cli("init").code == 0)
        let pid = try #require(server.pid)
        let before = try #require(Self.peakKiB(pid))
        // Sparse: costs no disk to create, reads as zeros.
        let file = root + "/rootfs.img"
        #expect(FileManager.default.createFile(atPath: file, contents: nil))
        #expect(truncate(file, off_t(512 << 20)) == 0)
        let r = server.cli("assets", "upload", "rootfs", file, "-o", "json")
        #expect(r.code == 0, "\(r.stderr)")
        #expect(((r.json["blob"] as? [String: Any])?["size"] as? NSNumber)?.intValue == 512 << 20)
        let after = try #require(Self.peakKiB(pid))
        #expect(after - before < 128 << 10, "peak RSS grew from \(before) KiB to \(after) KiB")
        try? FileManager.default.removeItem(atPath: file)
    }

    /// VmHWM (peak resident memory) of a process, in KiB.
    static func peakKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.components(separatedBy: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.filter(\.isNumber)) }
    }

    // MARK: - helpers

    static func imageList(seenBy m: ServerProcess) -> [[String: Any]] {
        let r = m.cli("images", "list", "-o", "json")
        return ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]]) ?? []
    }

    static func imageIDs(seenBy m: ServerProcess) -> [String] { imageList(seenBy: m).compactMap { $0["id"] as? String } }

    static func members(of id: String, seenBy m: ServerProcess) -> [String] {
        (imageList(seenBy: m).first { $0["id"] as? String == id }?["members"] as? [String]) ?? []
    }

    static func assetMembers(_ name: String, seenBy m: ServerProcess) -> [String] {
        (m.cli("assets", "info", name, "-o", "json").json["members"] as? [String]) ?? []
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The source of the last "fetching a blob" line.
    static func lastSource(in log: String) -> String? {
        log.components(separatedBy: "\n").last { $0.contains("fetching a blob") }.flatMap { field("kiban.blobs.source", in: $0) }
    }

    /// Where the transfer that completed from `source` started.
    static func resumedAt(in log: String, source: String) -> UInt64? {
        log.components(separatedBy: "\n").last { $0.contains("blob verified") && field("kiban.blobs.source", in: $0) == source }
            .flatMap { field("kiban.blobs.resumed_at", in: $0) }.flatMap { UInt64($0) }
    }

    /// `key=value` from a swift-log line.
    static func field(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: key + "=") else { return nil }
        return String(line[range.upperBound...].prefix { !$0.isWhitespace })
    }
}

import Foundation
import KibanNetboot
import Testing

@Suite("Blob store")
struct BlobStoreTests {
    static func directory() throws -> BlobDirectory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-blobs-\(UUID().uuidString.prefix(8))").path
        let blobs = BlobDirectory(dataDir: path)
        try blobs.prepare()
        return blobs
    }

    static func write(_ writer: BlobWriter, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writer.write($0) }
    }

    @Test(
        "An upload is hashed as it is written (FIPS 180-2 vectors) and appears only once finished",
        arguments: [
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ])
    func upload(text: String, hex: String) throws {
        let blobs = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: blobs.root) }
        let writer = try blobs.upload()
        // Written in two pieces, so hashing spans writes.
        let bytes = Array(text.utf8)
        try Self.write(writer, Array(bytes.prefix(bytes.count / 2)))
        try Self.write(writer, Array(bytes.dropFirst(bytes.count / 2)))
        #expect(blobs.localPath(BlobReference(sha256: hex, size: UInt64(bytes.count))) == nil)
        let blob = try writer.finish()
        #expect(blob == BlobReference(sha256: hex, size: UInt64(bytes.count)))
        #expect(blobs.localPath(blob) == blobs.path(sha256: hex))
        #expect(try Data(contentsOf: URL(fileURLWithPath: blobs.path(sha256: hex))) == Data(bytes))
        #expect(blobs.entries().map(\.sha256) == [hex])
        #expect(try FileManager.default.contentsOfDirectory(atPath: blobs.partialRoot).isEmpty)
    }

    @Test("A transfer resumes from its partial file; wrong bytes are discarded; too many are refused")
    func transfer() throws {
        let blobs = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: blobs.root) }
        let content = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        let blob = BlobReference(sha256: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", size: UInt64(content.count))
        let first = try blobs.transfer(blob)
        try Self.write(first, Array(content.prefix(20)))
        first.suspend()
        #expect(blobs.partialTransfers() == [blob.sha256])
        #expect(try blobs.prepare() == 0, "a partial transfer survives a restart")

        let second = try blobs.transfer(blob)
        #expect(second.written == 20)
        #expect(throws: BlobError.self) { try Self.write(second, Array(content.dropFirst(20)) + [0]) }
        try Self.write(second, Array(content.dropFirst(20)))
        #expect(try second.finish() == blob)
        #expect(blobs.localPath(blob) != nil)

        let wrong = BlobReference(sha256: String(repeating: "0", count: 64), size: 3)
        let bad = try blobs.transfer(wrong)
        try Self.write(bad, Array("abc".utf8))
        #expect(throws: BlobError.self) { try bad.finish() }
        #expect(blobs.localPath(wrong) == nil)
        #expect(blobs.partialTransfers().isEmpty, "a mismatched transfer is deleted")
    }

    @Test("Starting deletes interrupted uploads and keeps partial transfers")
    func prepareCleans() throws {
        let blobs = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: blobs.root) }
        let upload = try blobs.upload()
        try Self.write(upload, [1, 2, 3])
        let transfer = try blobs.transfer(BlobReference(sha256: String(repeating: "a", count: 64), size: 10))
        try Self.write(transfer, [1, 2, 3])
        upload.suspend()
        transfer.suspend()
        #expect(try blobs.prepare() == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: blobs.partialRoot) == [String(repeating: "a", count: 64)])
    }

    @Test("Retention keeps the newest N by upload time, ties by id")
    func retention() {
        let blob = BlobReference(sha256: String(repeating: "a", count: 64), size: 1)
        let t = Date(timeIntervalSince1970: 1_000_000)
        let images = [("a", 1.0), ("b", 3.0), ("c", 2.0), ("d", 3.0)].map {
            ImageRecord(id: $0.0, kernel: blob, initrd: blob, uploaded: t + $0.1)
        }
        #expect(ImageRetention.expired(images, kept: 2) == ["a", "c"])
        #expect(ImageRetention.expired(images, kept: 5) == [])
        #expect(ImageRetention.expired(images, kept: 1) == ["a", "c", "b"])
    }

    @Test(
        "Names are checked",
        arguments: [
            ("flatcar-4081.2.0", true), ("", false), (".hidden", false), ("a/b", false),
            ("a b", false), ("ü", false), (String(repeating: "x", count: 129), false), ("A_z-9", true),
        ])
    func names(name: String, ok: Bool) {
        #expect((CatalogName.problem(name) == nil) == ok)
    }
}

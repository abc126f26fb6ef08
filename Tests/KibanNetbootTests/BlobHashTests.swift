import Foundation
import KibanIO
import KibanNetboot
import Logging
import Testing

/// A blob's hash names its file, so a hash from a record is checked before it names anything:
/// when the record is decoded, when it is written by hand, and when the boot server opens the file.
@Suite("Blob hashes name files only below the blob directory", .serialized)
struct BlobHashTests {
    static let valid = String(repeating: "0123456789abcdef", count: 4)
    static let cases: [(String, Bool)] = {
        let v = valid
        let almost = String(v.dropLast())
        let cut = String(v.dropLast(2))
        return [
            (v, true), ("../../state.db", false), (almost, false), (v + "0", false), (v.uppercased(), false), ("", false),
            (cut + "/x", false), (cut + "..", false), (almost + "g", false), (almost + "\u{0}", false),
            ("/" + String(v.dropFirst()), false),
        ]
    }()

    @Test("Only 64 lowercase hex digits are a hash", arguments: cases)
    func validator(hash: String, ok: Bool) {
        #expect(BlobReference.isSHA256(hash) == ok)
        let json = Data(#"{"sha256":"\#(hash)","size":1}"#.utf8)
        #expect(((try? JSONDecoder().decode(BlobReference.self, from: json)) != nil) == ok)
    }

    @Test("A hand-written image or asset record with a hash that is not one is refused, naming the field")
    func recordCheck() {
        let bad = #"{"sha256":"../../state.db","size":1}"#
        let good = #"{"sha256":"\#(Self.valid)","size":1}"#
        let image = { (blob: String) in Array(#"{"id":"i","kernel":\#(blob),"initrd":\#(good),"uploaded":0}"#.utf8) }
        let asset = { (blob: String) in Array(#"{"name":"a","blob":\#(blob),"contentType":"text/plain","uploaded":0}"#.utf8) }
        #expect(NetbootKeys.problem(key: "netboot/images/i", value: image(good)) == nil)
        #expect(NetbootKeys.problem(key: "netboot/images/i", value: image(bad))?.contains("64 lowercase hex digits") == true)
        #expect(NetbootKeys.problem(key: "netboot/assets/a", value: asset(good)) == nil)
        #expect(NetbootKeys.problem(key: "netboot/assets/a", value: asset(bad))?.contains("an asset record") == true)
        #expect(NetbootKeys.problem(key: "netboot/assets/a", value: Array("not json".utf8)) != nil)
        #expect(NetbootKeys.problem(key: "other/key", value: Array("anything".utf8)) == nil)
    }

    @Test("A record naming a file outside the blob directory, or a link inside it, is answered 404, never the file")
    func serverRefuses() throws {
        let root = try makeTemporaryDirectory("blob-hash")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let secret = Array("secret member key\n".utf8)
        try Data(secret).write(to: URL(fileURLWithPath: root + "/member.key"))
        let blobs = BlobDirectory(dataDir: root)
        try blobs.prepare()
        // A file in sha256/ named like a hash, but a link to the key.
        try FileManager.default.createSymbolicLink(atPath: blobs.path(sha256: Self.valid), withDestinationPath: root + "/member.key")
        var snapshot = BootSnapshot()
        let size = UInt64(secret.count)
        snapshot.assets["traversal"] = AssetRecord(
            name: "traversal", blob: BlobReference(sha256: "../../member.key", size: size),
            contentType: "text/plain", uploaded: Date())
        // The link's own size (what lstat says), so that only the open itself stands in the way.
        let linkSize = UInt64((root + "/member.key").utf8.count)
        snapshot.assets["link"] = AssetRecord(
            name: "link", blob: BlobReference(sha256: Self.valid, size: linkSize),
            contentType: "text/plain", uploaded: Date())
        let served = try placeBlob(Array("fine\n".utf8), in: blobs)
        snapshot.assets["fine"] = AssetRecord(name: "fine", blob: served, contentType: "text/plain", uploaded: Date())
        let responder = BootResponder(memberName: "m", blobs: blobs, ipxeDirectory: root, defaultBaseURL: "http://127.0.0.1:1")
        let server = try BootServer.start(
            responder: responder, httpPort: 0, tftpPort: nil,
            configuration: IOConfiguration(rings: 1), logger: Logger(label: "test"))
        defer { server.shutdown() }
        server.update(snapshot)
        let base = "http://127.0.0.1:\(server.httpEndpoint.port)/boot/assets/"
        for name in ["traversal", "link"] {
            let answer = try curl(base + name)
            #expect(answer.status == 404, "\(name)")
            #expect(answer.body != secret, "\(name)")
        }
        #expect(try curl(base + "fine").text == "fine\n")
    }
}

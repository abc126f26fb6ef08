import Foundation
import KibanIO
import KibanNetboot
import KibanRaft
import KibanStore
import KibanTestSupport
import Logging
import Testing

@testable import KibanServer

/// Image and asset records name blob files by hash; a record whose hash is a path
/// (`"../../state.db"`) must never make the boot server send another file of the data directory.
@Suite("Blob records that point outside the blob directory", .serialized)
struct BlobRecordTests {
    static let logger = Logger(label: "kiban.boot.test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("A record written raw into the store with a traversal hash is skipped by the boot view: 404, never state.db")
    func rawRecordIsNotServed() async throws {
        let dir = try temporaryDirectory("kiban-blob-record")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The data directory's layout: state.db beside blobs/, so "../../state.db" from blobs/sha256 is the store.
        var options = StoreOptions(id: 1, directory: dir, bootstrap: ConfState(voters: [1]))
        options.tickInterval = .milliseconds(10)
        let store = try await Store.open(options, transport: LocalNetwork().transport(for: 1), logger: Self.logger)
        let blobs = BlobDirectory(dataDir: dir)
        try blobs.prepare()
        let responder = BootResponder(memberName: "m", blobs: blobs, ipxeDirectory: dir, defaultBaseURL: "http://127.0.0.1:1")
        let server = try BootServer.start(
            responder: responder, httpPort: 0, tftpPort: nil,
            configuration: IOConfiguration(rings: 1), logger: Self.logger)
        defer { server.shutdown() }
        do {
            try await check(store: store, server: server, dir: dir, blobs: blobs)
        } catch {
            await store.stop()
            throw error
        }
        await store.stop()
    }

    private func check(store: Store, server: BootServer, dir: String, blobs: BlobDirectory) async throws {
        let good = Array("a real blob\n".utf8)
        let sha = BlobReference(sha256: sha256Hex(good), size: UInt64(good.count))
        try Data(good).write(to: URL(fileURLWithPath: blobs.path(sha256: sha.sha256)))
        let size = try #require(FileManager.default.attributesOfItem(atPath: dir + "/state.db")[.size] as? NSNumber).uint64Value
        let evil = #"{"sha256":"../../state.db","size":\#(size)}"#
        let fine = #"{"sha256":"\#(sha.sha256)","size":\#(sha.size)}"#
        try await put(store, "netboot/images/evil", #"{"id":"evil","kernel":\#(evil),"initrd":\#(evil),"uploaded":0}"#)
        try await put(store, "netboot/assets/evil", #"{"name":"evil","blob":\#(evil),"contentType":"text/plain","uploaded":0}"#)
        try await put(store, "netboot/assets/fine", #"{"name":"fine","blob":\#(fine),"contentType":"text/plain","uploaded":0}"#)
        let (snapshot, _) = try await BootSnapshotLoader(store: store, logger: Self.logger).load(previous: BootSnapshot())
        server.update(snapshot)
        #expect(snapshot.images.isEmpty)
        #expect(snapshot.assets.keys.sorted() == ["fine"])
        let base = "http://127.0.0.1:\(server.httpEndpoint.port)/boot"
        for path in ["/images/evil/kernel", "/images/evil/initrd", "/assets/evil"] {
            let answer = try fetch(base + path)
            #expect(answer.status == 404, "\(path)")
            #expect(!answer.body.starts(with: Array("SQLite format 3".utf8)), "\(path) sent state.db")
        }
        #expect(try fetch(base + "/assets/fine").body == good)
    }

    private func put(_ store: Store, _ key: String, _ value: String) async throws {
        _ = try await store.put(Array(key.utf8), Array(value.utf8))
    }

    private func fetch(_ url: String) throws -> (status: Int, body: [UInt8]) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = ServerProcess.runTool("/usr/bin/curl", ["-s", "--max-time", "30", "-o", out, "-w", "%{http_code}", url])
        return (Int(r.stdout) ?? 0, FileManager.default.contents(atPath: out).map(Array.init) ?? [])
    }

    private func sha256Hex(_ bytes: [UInt8]) -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        _ = FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return String(ServerProcess.runTool("/usr/bin/sha256sum", [file]).stdout.prefix(64))
    }

    @Test("kiban kv put and kv txn refuse an image or asset record whose hash is not a hash")
    func handWrittenRecordIsRefused() async throws {
        try await DaemonTestSupport.withMember("blobrec") { member, root in
            let bad = #"{"name":"x","blob":{"sha256":"../../state.db","size":1},"contentType":"text/plain","uploaded":0}"#
            let put = member.cli("kv", "put", "netboot/assets/x", bad)
            #expect(put.code != 0)
            #expect(put.stderr.contains("64 lowercase hex digits"), "\(put.stderr)")
            let txn = #"{"success":[{"put":{"key":"netboot/assets/x","value":\#(String(decoding: try JSONEncoder().encode(bad), as: UTF8.self))}}]}"#
            try Data(txn.utf8).write(to: URL(fileURLWithPath: root + "/txn.json"))
            let viaTxn = member.cli("kv", "txn", root + "/txn.json")
            #expect(viaTxn.code != 0, "\(viaTxn.stdout)")
            #expect(member.cli("kv", "get", "netboot/assets/x").stdout.isEmpty)
        }
    }
}

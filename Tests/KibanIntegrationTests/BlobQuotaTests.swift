import Foundation
import KibanTestSupport
import Testing

/// `blob-quota` in kiban.yaml on a real daemon: an upload past it is refused before its bytes
/// are written, with an error that names the setting.
@Suite("Blob quota on a real daemon")
struct BlobQuotaTests {
    @Test("An upload past blob-quota fails with 507 naming the setting; one that fits is kept")
    func uploadPastQuota() async throws {
        let root = try temporaryDirectory("blob-quota")
        let server = ServerProcess(name: "quota-1", under: root)
        server.extraConfig = "blob-quota: 4KiB\n"
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await server.start()
        #expect(server.cli("init").code == 0)
        let small = root + "/small.bin"
        let big = root + "/big.bin"
        try Data(repeating: 1, count: 3000).write(to: URL(fileURLWithPath: small))
        try Data(repeating: 2, count: 2000).write(to: URL(fileURLWithPath: big))
        let fits = server.cli("assets", "upload", "small", small)
        #expect(fits.code == 0, "\(fits.stderr)")
        let refused = server.cli("assets", "upload", "big", big)
        #expect(refused.code != 0)
        #expect(refused.stderr.contains("blob-quota"), "\(refused.stderr)")
        #expect(server.cli("assets", "info", "big").code != 0)
        // Nothing of the refused upload was left behind.
        let partial = try FileManager.default.contentsOfDirectory(atPath: server.dataDir + "/blobs/partial")
        #expect(partial.isEmpty)
    }
}

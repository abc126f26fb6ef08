import Foundation
import Testing

/// `kiban dev` (what `make run` starts): a new cluster gets sample data, and the boot flow it
/// prints works.
@Suite("kiban dev serves a bootable sample", .serialized)
struct DevSeedTests {
    @Test("kiban dev seeds a machine, its template and an image, and prints curl commands that fetch them")
    func seededBootFlow() async throws {
        let root = try temporaryDirectory("dev-seed")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let kernel = root + "/vmlinuz", initrd = root + "/initrd"
        try Data(repeating: 0x4b, count: 70_000).write(to: URL(fileURLWithPath: kernel))
        try Data(repeating: 0x49, count: 30_000).write(to: URL(fileURLWithPath: initrd))
        let process = Process()
        process.executableURL = ServerProcess.executable
        // Ports BASE+1…BASE+33 are taken by the three members.
        process.arguments = ["dev", "--seconds", "300", "--base-port", "\(basePort())"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["KIBAN_DEV_KERNEL": kernel, "KIBAN_DEV_INITRD": initrd, "TMPDIR": root]) { _, new in new }
        let output = root + "/dev.out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        try await poll("kiban dev's banner with the curl commands", seconds: 120) {
            text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            return text.contains("curl ") && text.contains("/config")
        }
        let urls = text.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == "curl" ? String(parts[1]) : nil
        }
        #expect(urls.count == 3, "\(text)")
        #expect(text.contains("image sample: KIBAN_DEV_KERNEL and KIBAN_DEV_INITRD"), "\(text)")
        let bodies = urls.map { String(decoding: BootClusterTests.get($0).body, as: UTF8.self) }
        guard bodies.count == 3 else { return }
        #expect(bodies[0].contains("chain --autofree"))
        #expect(bodies[1].contains("/boot/images/sample/kernel initrd=initrd console=ttyS0 panic=-1 kiban.serial=dev-0001"), "\(bodies[1])")
        let config = try JSONSerialization.jsonObject(with: Data(bodies[2].utf8)) as? [String: Any]
        #expect((config?["kiban"] as? [String: Any])?["serial"] as? String == "dev-0001", "\(bodies[2])")
        let kernelURL = try #require(urls.first).replacingOccurrences(of: "/boot/ipxe", with: "/boot/images/sample/kernel")
        #expect(BootClusterTests.get(kernelURL, follow: true).body.count == 70_000)
    }
}

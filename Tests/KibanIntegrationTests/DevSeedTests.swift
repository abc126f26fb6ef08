import Foundation
import KibanTestSupport
import Testing

/// `kiban dev` (what `make run` starts): a new cluster gets sample data, and the boot flow it
/// prints works.
@Suite("kiban dev serves a bootable sample", .serialized)
struct DevSeedTests {
    @Test("kiban dev seeds a machine, its template and an image, and prints curl commands that fetch them")
    func seededBootFlow() async throws {
        let root = try temporaryDirectory("dev-seed")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let kernel = root + "/vmlinuz"
        let initrd = root + "/initrd"
        try Data(repeating: 0x4b, count: 70_000).write(to: URL(fileURLWithPath: kernel))
        try Data(repeating: 0x49, count: 30_000).write(to: URL(fileURLWithPath: initrd))
        var environment = ProcessInfo.processInfo.environment
        (environment["KIBAN_DEV_KERNEL"], environment["KIBAN_DEV_INITRD"]) = (kernel, initrd)
        let process = try Self.startDev(root: root, environment: environment)
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        let text = try await Self.banner(root: root)
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
        // SIGTERM (as from a terminal or a service manager) stops the members with it.
        #expect(!Self.processes(under: root).isEmpty)
        process.terminate()
        process.waitUntilExit()
        #expect(Self.processes(under: root).isEmpty, "members of kiban dev still running after it exited")
    }

    /// Processes whose command line names a path under `root` (the dev members: their
    /// configuration and data live there).
    static func processes(under root: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(root)
        }
    }

    /// `kiban dev` with its data and output under `root` (Ports BASE+1…BASE+33 are its members').
    static func startDev(root: String, environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = ServerProcess.executable
        process.arguments = ["dev", "--seconds", "300", "--base-port", "\(try FreePort.block(40))"]
        process.environment = environment.merging(["TMPDIR": root]) { _, new in new }
        let output = root + "/dev.out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        // TERM when the test process dies: kiban dev then stops its three members.
        try ChildProcesses.launch(process, deathSignal: "TERM")
        return process
    }

    /// What `kiban dev` printed, once it printed the curl commands.
    static func banner(root: String) async throws -> String {
        var text = ""
        try await poll("kiban dev's banner with the curl commands", seconds: 120) {
            text = (try? String(contentsOfFile: root + "/dev.out", encoding: .utf8)) ?? ""
            return text.contains("curl ") && text.contains("/config")
        }
        return text
    }

    static let bootCache = "/var/tmp/kiban-boot-cache"
    static var canBootSample: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64")
            && FileManager.default.isExecutableFile(atPath: bootCache + "/bbx/bin/busybox")
            && ((try? FileManager.default.contentsOfDirectory(atPath: bootCache + "/kx/boot")) ?? []).contains { $0.hasPrefix("vmlinuz-") }
    }

    @Test(
        "The sample image kiban dev builds from the cached kernel boots in QEMU with the kernel line of dev-0001's script",
        .enabled(if: canBootSample, "needs qemu-system-x86 and the netboot VM test's cache (/var/tmp/kiban-boot-cache)"))
    func sampleBoots() async throws {
        let root = try temporaryDirectory("dev-qemu")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var environment = ProcessInfo.processInfo.environment
        environment["KIBAN_DEV_KERNEL"] = nil
        environment["KIBAN_BOOT_CACHE"] = Self.bootCache
        let process = try Self.startDev(root: root, environment: environment)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let text = try await Self.banner(root: root)
        let scriptURL = try #require(text.split(separator: "\n").first { $0.hasSuffix("/ipxe") && $0.contains("machines") }?.split(separator: " ").last)
        let script = String(decoding: BootClusterTests.get(String(scriptURL)).body, as: UTF8.self)
        // kernel URL initrd=initrd PARAMS… || goto failed
        let kernelLine = try #require(script.split(separator: "\n").first { $0.hasPrefix("kernel ") }, "\(script)")
        let words = kernelLine.split(separator: " ").dropFirst()
        let kernelURL = try #require(words.first)
        let append = words.dropFirst().prefix { $0 != "||" }.filter { $0 != "initrd=initrd" }.joined(separator: " ")
        let kernel = BootClusterTests.get(String(kernelURL), follow: true).body
        let initrd = BootClusterTests.get(String(kernelURL).replacingOccurrences(of: "/kernel", with: "/initrd"), follow: true).body
        try Data(kernel).write(to: URL(fileURLWithPath: root + "/kernel"))
        try Data(initrd).write(to: URL(fileURLWithPath: root + "/initrd"))
        let qemu = ServerProcess.runTool(
            "/usr/bin/timeout",
            [
                "120", "/usr/bin/qemu-system-x86_64", "-m", "256", "-nographic", "-no-reboot",
                "-net", "none", "-kernel", root + "/kernel", "-initrd", root + "/initrd",
                "-append", append + " quiet",
            ])
        #expect(qemu.stdout.contains("KIBAN-INITRD serial=dev-0001 config=http://"), "qemu said: \(qemu.stdout.suffix(2000))")
    }
}

import Foundation
import KibanTestSupport
import Testing

/// A real QEMU VM netboots from three real `kiban server` processes in network namespaces
/// (`tests/harness/netboot-vm.sh`): once, and again after the member that served it is killed.
@Suite("A VM netboots from a three-member cluster", .serialized,
       .enabled(if: NetbootVM.missing == nil, Comment(rawValue: "skipped: \(NetbootVM.missing ?? "")")))
struct NetbootVMTests {
    @Test("DHCP through a relay → iPXE script by SMBIOS serial → kernel and initrd → rendered configuration; then failover, then UEFI (OVMF)")
    func bootAndFailover() throws {
        let (code, output) = try NetbootVM.run()
        #expect(code == 0, "netboot-vm.sh failed:\n\(output)")
    }
}

enum NetbootVM {
    static let tools = ["ip", "qemu-system-x86_64", "dhcrelay", "dnsmasq", "cpio", "curl", "python3", "apt-get"]

    /// Why the VM test cannot run here, or nil.
    static var missing: String? {
        if getuid() != 0 { return "network namespaces and tap devices need root" }
        let path = ProcessInfo.processInfo.environment["PATH", default: ""] + ":/usr/sbin:/sbin"
        let absent = tools.filter { tool in
            !path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
        if !absent.isEmpty { return "missing \(absent.joined(separator: ", ")) (scripts/install-deps.sh test)" }
        if !FileManager.default.fileExists(atPath: "/usr/lib/ipxe/qemu/pxe-virtio.rom")
            && !FileManager.default.fileExists(atPath: "/usr/share/qemu/pxe-virtio.rom") {
            return "missing the iPXE ROM for QEMU (apt install ipxe-qemu)"
        }
        return nil
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the script for at most 15 minutes (two software-emulated boots on a loaded machine).
    static func run() throws -> (Int32, String) {
        let harness = root.appendingPathComponent("tests/harness")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        // If this process dies, timeout is killed with it and the script gets SIGTERM (parent-death
        // signals; unmasked.py unblocks it): its cleanup removes the VM and namespaces.
        p.arguments = ["-k", "10", "900", "python3", harness.appendingPathComponent("unmasked.py").path]
            + ChildProcesses.command("bash", [harness.appendingPathComponent("netboot-vm.sh").path], deathSignal: "TERM")
        var env = ProcessInfo.processInfo.environment
        env["KIBAN"] = ServerProcess.executable.path
        env["PATH"] = env["PATH", default: "/usr/bin:/bin"] + ":/usr/sbin:/sbin"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try ChildProcesses.launch(p)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }
}

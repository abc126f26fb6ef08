import Foundation
import KibanTestSupport
import Testing

/// A real QEMU VM netboots from three real `kiban server` processes in network namespaces
/// (`integration/harness/netboot-vm.sh`): once, and again after the member that served it is killed;
/// and once with an initrd that runs the node agent, which enrolls from the boot.
@Suite(
    "A VM netboots from a three-member cluster", .serialized,
    .enabled(if: NetbootVM.missing == nil, Comment(rawValue: "skipped: \(NetbootVM.missing ?? "")")))
struct NetbootVMTests {
    @Test("DHCP through a relay → iPXE script by SMBIOS serial → kernel and initrd → rendered configuration; then failover, then UEFI (OVMF)")
    func bootAndFailover() throws {
        let (code, output) = try NetbootVM.run()
        #expect(code == 0, "netboot-vm.sh failed:\n\(output)")
    }

    @Test("The VM's initrd carries kiban: it enrolls without an operator (kiban agent join --boot), runs the agent, and the machine turns healthy")
    func agentEnrolls() throws {
        let (code, output) = try HarnessScript.run(
            "netboot-vm.sh", seconds: 300,
            environment: ["KIBAN": ServerProcess.executable.path, "AGENT": "1", "BOOT_SECONDS": "150"])
        #expect(code == 0, "netboot-vm.sh (AGENT=1) failed:\n\(output)")
    }
}

enum NetbootVM {
    static let tools = ["ip", "qemu-system-x86_64", "dhcrelay", "dnsmasq", "cpio", "curl", "python3", "apt-get"]

    /// Why the VM test cannot run here, or nil.
    static var missing: String? {
        if getuid() != 0 { return "network namespaces and tap devices need root" }
        let absent = HarnessScript.missingTools(tools)
        if !absent.isEmpty { return "missing \(absent.joined(separator: ", ")) (scripts/install-deps.sh test)" }
        if !FileManager.default.fileExists(atPath: "/usr/lib/ipxe/qemu/pxe-virtio.rom")
            && !FileManager.default.fileExists(atPath: "/usr/share/qemu/pxe-virtio.rom")
        {
            return "missing the iPXE ROM for QEMU (apt install ipxe-qemu)"
        }
        return nil
    }

    /// Runs the script for at most 15 minutes (two software-emulated boots on a loaded machine).
    static func run() throws -> (Int32, String) {
        try HarnessScript.run("netboot-vm.sh", seconds: 900, environment: ["KIBAN": ServerProcess.executable.path])
    }
}

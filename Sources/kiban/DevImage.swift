import Foundation
import KibanAdminAPI

/// The sample image `kiban dev` uploads: a kernel and an initrd found on this machine, never
/// downloaded. Looked for, in order: `$KIBAN_DEV_KERNEL` and `$KIBAN_DEV_INITRD`; the kernel
/// the netboot VM test caches (`$KIBAN_BOOT_CACHE`, default `/var/tmp/kiban-boot-cache`, with
/// its static busybox, from which a small initrd is built); `/boot/vmlinuz-*` with its
/// `/boot/initrd.img-*`.
struct DevImage {
    var kernel: String
    var initrd: String
    /// Where they came from, for the banner.
    var origin: String

    static func find(environment: [String: String], scratch: String) -> DevImage? {
        let files = FileManager.default
        if let kernel = environment["KIBAN_DEV_KERNEL"], let initrd = environment["KIBAN_DEV_INITRD"],
            files.isReadableFile(atPath: kernel), files.isReadableFile(atPath: initrd)
        {
            return DevImage(kernel: kernel, initrd: initrd, origin: "KIBAN_DEV_KERNEL and KIBAN_DEV_INITRD")
        }
        let cache = environment["KIBAN_BOOT_CACHE"] ?? "/var/tmp/kiban-boot-cache"
        if let kernel = newest(in: cache + "/kx/boot", prefix: "vmlinuz-"), files.isExecutableFile(atPath: cache + "/bbx/bin/busybox"),
            let initrd = try? buildInitrd(busybox: cache + "/bbx/bin/busybox", into: scratch + "/dev-initrd.cpio")
        {
            return DevImage(kernel: kernel, initrd: initrd, origin: "\(kernel) and an initrd built around \(cache)/bbx/bin/busybox")
        }
        if let kernel = newest(in: "/boot", prefix: "vmlinuz-") {
            let initrd = "/boot/initrd.img-" + kernel.dropFirst("/boot/vmlinuz-".count)
            if files.isReadableFile(atPath: kernel), files.isReadableFile(atPath: initrd) {
                return DevImage(kernel: kernel, initrd: initrd, origin: "\(kernel) and \(initrd)")
            }
        }
        return nil
    }

    /// The last file in `directory` whose name starts with `prefix` (by name: version order for
    /// Debian's kernels of one series).
    static func newest(in directory: String, prefix: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted().last.map { directory + "/" + $0 }
    }

    /// An uncompressed initramfs (newc cpio) with busybox and an `/init` that prints the
    /// machine's serial and configuration URL from the kernel command line, fetches the
    /// configuration, prints it and powers off.
    static func buildInitrd(busybox: String, into path: String) throws -> String {
        guard let binary = FileManager.default.contents(atPath: busybox) else {
            throw AdminClient.Failure(description: "cannot read \(busybox)")
        }
        let script = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            mount -t proc proc /proc
            config=$(sed -n 's/.*kiban\\.config=\\([^ ]*\\).*/\\1/p' /proc/cmdline)
            echo "KIBAN-INITRD serial=$(sed -n 's/.*kiban\\.serial=\\([^ ]*\\).*/\\1/p' /proc/cmdline) config=$config"
            ip link set eth0 up && udhcpc -i eth0 -n -q -t 10 -s /udhcpc.sh
            wget -q -O - "$config"
            poweroff -f

            """
        var archive = CPIONewc()
        archive.directory("bin")
        archive.directory("proc")
        archive.directory("dev")
        archive.file("bin/busybox", Array(binary), mode: 0o755)
        archive.file("init", Array(script.utf8), mode: 0o755)
        archive.file("udhcpc.sh", Array(Self.udhcpcScript.utf8), mode: 0o755)
        try Data(archive.finish()).write(to: URL(fileURLWithPath: path))
        return path
    }
}

extension DevImage {
    /// Configures the address udhcpc obtained (busybox's udhcpc only runs a script).
    static let udhcpcScript = """
        #!/bin/sh
        case "$1" in bound|renew)
          ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
          for r in $router; do route add default gw "$r"; done ;;
        esac

        """
}

/// A "newc" cpio archive (the initramfs format, Documentation/driver-api/early-userspace):
/// 110-byte ASCII headers, names and data padded to 4 bytes, ended by `TRAILER!!!`.
struct CPIONewc {
    private(set) var bytes: [UInt8] = []
    private var inode = 1

    mutating func directory(_ name: String) { entry(name, mode: 0o040755, data: []) }

    mutating func file(_ name: String, _ data: [UInt8], mode: Int) { entry(name, mode: 0o100000 | mode, data: data) }

    mutating func finish() -> [UInt8] {
        entry("TRAILER!!!", mode: 0, data: [])
        return bytes
    }

    private mutating func entry(_ name: String, mode: Int, data: [UInt8]) {
        let fields = [inode, mode, 0, 0, 1, 0, data.count, 0, 0, 0, 0, name.utf8.count + 1, 0]
        inode += 1
        bytes += Array("070701".utf8) + fields.flatMap { Array(String(format: "%08X", $0).utf8) }
        bytes += Array(name.utf8) + [0]
        pad()
        bytes += data
        pad()
    }

    private mutating func pad() { bytes += [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4) }
}

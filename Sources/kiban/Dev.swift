import ArgumentParser
import Foundation

/// `kiban dev`: three real `kiban server` processes on 127.0.0.1, formed through the real
/// init → token → join path, in the foreground until Ctrl-C.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a local three-member cluster in the foreground (Ctrl-C stops it).",
        discussion: """
            Starts three `kiban server` processes with temporary data directories and peer ports
            BASE+1..BASE+3 on 127.0.0.1 (DHCP on BASE+11..BASE+13 once IPAM is set, HTTP boot on
            BASE+21..BASE+23, TFTP on BASE+31..BASE+33, metrics and the status page on BASE+41..BASE+43,
            the node API for agents on BASE+51..BASE+53),
            runs `kiban init` on the first, and joins the other two
            with tokens, exactly as on real boot servers. It prints how to point the CLI at each
            member. Logs go to server.log in each member's directory.

            The new cluster gets sample data: an IPAM configuration, machine dev-0001 (role
            worker), a template and kernel parameters for the role, and an image "sample" made of
            a kernel and initrd found on this machine (KIBAN_DEV_KERNEL and KIBAN_DEV_INITRD, the
            netboot test's cache, or /boot; nothing is downloaded). When the boot script is
            served, it prints the curl commands that fetch /boot/ipxe and the machine's script
            and configuration from dev-1. --no-sample starts it empty (benchmarks that bring
            their own records use it).
            """)

    @Option(help: "Stop after this many seconds (default: run until Ctrl-C).")
    var seconds: Int?
    @Option(help: "Peer ports are BASE+1, BASE+2, BASE+3.")
    var basePort = 10190
    @Flag(help: "Start without the sample machine, template and image.")
    var noSample = false

    func run() async throws {
        let root = try DevProcesses.temporaryDirectory()
        var cluster = DevProcesses(root: root, basePort: basePort)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        for i in 1...3 { try cluster.start(member: i) }
        try await cluster.form()
        let (notes, image) = noSample ? ([], false) : try DevSeed(client: cluster.client(1), scratch: root).run()
        if !noSample {
            // The view reloads after each change: wait for the configuration and, when an image
            // was uploaded, for the script that boots it.
            try await cluster.waitUntil("dev-1 to serve the boot script of \(DevSeed.serial)") {
                cluster.httpGet(1, "/boot/machines/\(DevSeed.serial)/config")?.status == 200
                    && (!image || cluster.httpGet(1, "/boot/machines/\(DevSeed.serial)/ipxe")?.body.contains("\nkernel ") == true)
            }
        }
        print("kiban dev: three members running (data under \(root)); Ctrl-C stops them.")
        let kiban = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        for i in 1...3 {
            print("  member dev-\(i): KIBAN_SOCKET=\(cluster.socket(i)) \(kiban) status   (log: \(cluster.directory(i))/server.log)")
            print("               boot: http://127.0.0.1:\(cluster.httpPort(i))/boot/ipxe, TFTP port \(cluster.tftpPort(i))")
            print("               status page: http://127.0.0.1:\(cluster.metricsPort(i))/   metrics: http://127.0.0.1:\(cluster.metricsPort(i))/metrics")
            print("               node API (kiban agent --server): 127.0.0.1:\(cluster.nodePort(i))")
        }
        for note in notes { print(note) }
        if !noSample {
            let boot = "http://127.0.0.1:\(cluster.httpPort(1))/boot"
            print("boot flow of \(DevSeed.serial) from dev-1:")
            print("  curl \(boot)/ipxe")
            print("  curl \(boot)/machines/\(DevSeed.serial)/ipxe")
            print("  curl \(boot)/machines/\(DevSeed.serial)/config")
        }
        print("try: KIBAN_SOCKET=\(cluster.socket(2)) \(kiban) kv put hello world")
        print("     KIBAN_SOCKET=\(cluster.socket(3)) \(kiban) kv get hello")
        // Into a pipe or file stdout is block-buffered: flush so a script can wait for the banner.
        fflush(nil)
        // Until Ctrl-C, SIGTERM or the end of --seconds, whichever comes first; the members are
        // stopped on the way out either way, so no `kiban server` outlives `kiban dev`.
        await withTaskGroup(of: Void.self) { group in
            if let seconds { group.addTask { try? await Task.sleep(for: .seconds(seconds)) } }
            group.addTask { _ = await Signals.wait(for: [SIGINT, SIGTERM]) }
            await group.next()
            group.cancelAll()
        }
        print("stopping the members")
    }
}

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
            BASE+21..BASE+23, TFTP on BASE+31..BASE+33), runs `kiban init` on the first, and joins the other two
            with tokens, exactly as on real boot servers. It prints how to point the CLI at each
            member. Logs go to server.log in each member's directory.
            """)

    @Option(help: "Stop after this many seconds (default: run until Ctrl-C).")
    var seconds: Int?
    @Option(help: "Peer ports are BASE+1, BASE+2, BASE+3.")
    var basePort = 10190

    func run() async throws {
        let root = try DevProcesses.temporaryDirectory()
        var cluster = DevProcesses(root: root, basePort: basePort)
        defer { cluster.stopAll(); try? FileManager.default.removeItem(atPath: root) }
        for i in 1...3 { try cluster.start(member: i) }
        try await cluster.form()
        print("kiban dev: three members running (data under \(root)); Ctrl-C stops them.")
        let kiban = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        for i in 1...3 {
            print("  member dev-\(i): KIBAN_SOCKET=\(cluster.socket(i)) \(kiban) status   (log: \(cluster.directory(i))/server.log)")
            print("               boot: http://127.0.0.1:\(cluster.httpPort(i))/boot/ipxe, TFTP port \(cluster.tftpPort(i))")
        }
        print("try: KIBAN_SOCKET=\(cluster.socket(2)) \(kiban) kv put hello world")
        print("     KIBAN_SOCKET=\(cluster.socket(3)) \(kiban) kv get hello")
        // Into a pipe or file stdout is block-buffered: flush so a script can wait for the banner.
        fflush(nil)
        if let seconds {
            try await Task.sleep(for: .seconds(seconds))
        } else {
            _ = await Signals.wait(for: [SIGINT, SIGTERM])
        }
        print("stopping the members")
    }
}

import Foundation
import KibanTestSupport

/// One real `kiban server` process on 127.0.0.1 with its own data directory, socket and log.
///
/// Its ports are chosen free at run time (`FreePort`); when the daemon finds one taken after all
/// ("Address already in use"), ``start(readySeconds:portAttemptsMax:)`` and
/// ``bindingCLI(_:portAttemptsMax:)`` move it to new ones. The process dies with this object
/// (`deinit`), and with the test process however that ends (`ChildProcesses`).
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` and the ports change only in start()/kill()/stop(), which one test
    // task calls in turn.
    let name: String
    let root: String
    /// The address the daemon advertises and listens on.
    let address: String
    /// The network namespace it runs in (`ip netns exec`), or nil for the host's.
    let namespace: String?
    /// The peer (Raft and join) TCP port; the DHCP (UDP), HTTP boot (TCP) and TFTP (UDP) ports.
    private(set) var peerPort: Int
    private(set) var dhcpPort: Int
    private(set) var httpPort: Int
    private(set) var tftpPort: Int
    /// The metrics port (Prometheus text and the status page), on ``address``.
    private(set) var metricsPort: Int
    /// The node API port (agents), on ``address``.
    private(set) var nodePort = 0
    /// False when the caller fixed the peer port: it is then never changed.
    private let peerPortChosen: Bool
    private var process: Process?
    /// More `kiban server` flags, and environment variables, for the next start.
    var extraArguments: [String] = []
    /// Settings appended to the member's kiban.yaml (those without a flag).
    var extraConfig = ""
    var environment: [String: String] = [:]

    /// The `kiban` executable, built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kiban")
    }

    /// A server named `name` in `root/name`, not started. `peerPort` nil (the usual case) picks
    /// free ports; a namespaced member may use a fixed one, as its namespace has its own ports.
    init(name: String, under root: String, peerPort: Int? = nil, address: String = "127.0.0.1", namespace: String? = nil) {
        self.name = name
        self.root = root + "/" + name
        self.address = address
        self.namespace = namespace
        peerPortChosen = peerPort == nil
        self.peerPort = peerPort ?? 0
        (dhcpPort, httpPort, tftpPort, metricsPort) = (0, 0, 0, 0)
        // A failure here (no free port at all) is reported by start(), which picks again.
        try? pickPorts()
    }

    deinit { kill() }

    var socket: String { root + "/kiban.sock" }
    var dataDir: String { root + "/data" }
    var logPath: String { root + "/server.log" }
    var endpoint: String { "\(address):\(peerPort)" }
    /// `address:port` of the node API.
    var nodeEndpoint: String { "\(address):\(nodePort)" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Free ports for everything this member serves (the peer port only if the caller left it).
    private func pickPorts() throws {
        if peerPortChosen { peerPort = try FreePort.tcp() }
        try pickServicePorts()
    }

    /// Free DHCP, HTTP, TFTP, metrics and node API ports: flags only, so they may change on any restart.
    private func pickServicePorts() throws {
        (dhcpPort, httpPort, tftpPort, metricsPort) = (try FreePort.udp(), try FreePort.tcp(), try FreePort.udp(), try FreePort.tcp())
        nodePort = try FreePort.tcp()
    }

    /// Starts (or restarts) the daemon and waits until its socket answers, for at most
    /// `readySeconds`. A member's DHCP and boot ports are only logged when taken; then it is
    /// started again on new ones (at most `portAttemptsMax` times). A start that fails leaves
    /// no process behind.
    func start(readySeconds: Int = 60, portAttemptsMax: Int = 5) async throws {
        if peerPort == 0 || dhcpPort == 0 { try pickPorts() }
        for attempt in 1...portAttemptsMax {
            let logStart = try launch()
            do {
                try await poll("\(name) to answer on its socket", seconds: readySeconds) {
                    guard self.process?.isRunning == true else {
                        throw TestFailure("\(self.name) exited during start; its log:\n\(self.log(since: logStart))")
                    }
                    return self.cli("status").stderr.isEmpty
                }
            } catch {
                kill()
                throw error
            }
            guard portTaken(since: logStart), attempt < portAttemptsMax else { return }
            kill()
            try pickServicePorts()
        }
    }

    /// `kiban init` or `kiban join TOKEN` (plus `args`): the commands that make a new member
    /// bind its ports. When one was taken after all, the member moves to new ports: the DHCP and
    /// boot ports (their failure is only logged) by a restart that keeps the membership just
    /// made; a refused peer port (init fails and records nothing; join fails before it sends
    /// its token) by a restart and the same command again.
    func bindingCLI(_ args: [String], portAttemptsMax: Int = 5) async throws -> CLIResult {
        var attempt = 1
        while true {
            let logStart = logSize
            let result = Self.run(args + ["--socket", socket])
            let taken = portTaken(since: logStart) || result.stderr.contains("Address already in use")
            guard taken, attempt < portAttemptsMax else { return result }
            attempt += 1
            kill()
            if result.code == 0 {
                try pickServicePorts()
                try await start()
                return result
            }
            // A refused peer port fails init before it records anything, and join before it
            // sends the token (PeerPortProbe): both may simply be run again on new ports.
            guard ["init", "join"].contains(args.first), peerPortChosen else { return result }
            try pickPorts()
            try await start()
        }
    }

    /// True when the log from `offset` on says a port was taken.
    private func portTaken(since offset: UInt64) -> Bool { log(since: offset).contains("Address already in use") }

    /// The log's length now.
    private var logSize: UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: logPath)[.size]) as? NSNumber)?.uint64Value ?? 0
    }

    /// Starts the process; returns the log's length before it, where this run's lines begin.
    private func launch() throws -> UInt64 {
        try prepareDirectory()
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let logStart = try out.seekToEnd()
        let p = Process()
        let command = commandLine
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.standardOutput = out
        p.standardError = out
        try ChildProcesses.launch(p)
        process = p
        try? out.close()
        return logStart
    }

    /// Creates the member's directory, its empty log and its `kiban.yaml` (flags, plus
    /// ``extraConfig``).
    func prepareDirectory() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: logPath) { try Data().write(to: URL(fileURLWithPath: logPath)) }
        try Data(("# all settings from flags\n" + extraConfig).utf8).write(to: URL(fileURLWithPath: root + "/kiban.yaml"))
    }

    /// The program and arguments that run this daemon (`ip netns exec` execs it in place, so the
    /// pid is the daemon's).
    var commandLine: [String] {
        let arguments =
            [
                "server", "--config", root + "/kiban.yaml", "--name", name, "--advertise-address", address,
                "--peer-port", "\(peerPort)", "--data-dir", dataDir, "--socket", socket,
                "--dhcp-port", "\(dhcpPort)", "--http-port", "\(httpPort)", "--tftp-port", "\(tftpPort)",
                "--metrics-port", "\(metricsPort)", "--metrics-address", address,
                "--node-port", "\(nodePort)", "--node-address", address,
            ] + extraArguments
        guard let namespace else { return [Self.executable.path] + arguments }
        return ["/usr/sbin/ip", "netns", "exec", namespace, Self.executable.path] + arguments
    }

    /// The log written from byte `offset` on.
    private func log(since offset: UInt64) -> String {
        guard let handle = FileHandle(forReadingAtPath: logPath) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// The daemon's process id while it runs.
    var pid: Int32? { process?.processIdentifier }

    /// SIGKILL: no handover, no cleanup.
    func kill() {
        guard let p = process else { return }
        if p.isRunning { Foundation.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        process = nil
    }

    /// SIGTERM and wait (graceful: a leader hands over first).
    func stop() {
        guard let p = process else { return }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        process = nil
    }

    /// Runs `kiban ARGS --socket <this server's socket>`.
    @discardableResult
    func cli(_ args: String...) -> CLIResult { Self.run(args + ["--socket", socket]) }

    /// Runs `kiban ARGS` (or another program: curl, sha256sum).
    static func run(_ args: [String], executable: URL = executable) -> CLIResult {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return CLIResult(code: 255, stdout: "", stderr: "\(error)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(
            code: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// This member's status as JSON (its own view only: polling must not wait for peers that
    /// are down), or nil when it cannot answer.
    func status() -> [String: Any]? {
        let r = cli("status", "--local", "-o", "json")
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
    }
}

/// What a CLI run printed and returned.
struct CLIResult: Sendable {
    var code: Int32
    var stdout: String
    var stderr: String

    /// The JSON object printed with `-o json`.
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]) ?? [:] }
}

import Foundation

/// One real `kiban server` process on 127.0.0.1 with its own data directory, socket and log.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` is replaced only by start()/kill(), which one test task calls in turn.
    let name: String
    let root: String
    let peerPort: Int
    /// More `kiban server` flags (HTTP boot and TFTP ports, …).
    var extraArguments: [String] = []
    private var process: Process?

    /// The `kiban` executable, built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kiban")
    }

    init(name: String, under root: String, peerPort: Int) {
        self.name = name
        self.root = root + "/" + name
        self.peerPort = peerPort
    }

    var socket: String { root + "/kiban.sock" }
    var dataDir: String { root + "/data" }
    var logPath: String { root + "/server.log" }
    var endpoint: String { "127.0.0.1:\(peerPort)" }
    /// An unprivileged DHCP port of this test's port block (never the host's 67).
    var dhcpPort: Int { peerPort + 50 }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts (or restarts) the daemon and waits until its socket answers.
    func start() async throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: logPath) { try Data().write(to: URL(fileURLWithPath: logPath)) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try out.seekToEnd()
        let p = Process()
        p.executableURL = Self.executable
        try Data("# all settings from flags\n".utf8).write(to: URL(fileURLWithPath: root + "/kiban.yaml"))
        p.arguments = ["server", "--config", root + "/kiban.yaml", "--name", name, "--advertise-address", "127.0.0.1",
                       "--peer-port", "\(peerPort)", "--data-dir", dataDir, "--socket", socket,
                       "--dhcp-port", "\(dhcpPort)", "--http-port", "\(peerPort + 60)"] + extraArguments
        p.standardOutput = out
        p.standardError = out
        try p.run()
        process = p
        try await poll("\(name) to answer on its socket") { self.cli("status").stderr.isEmpty }
    }

    /// SIGKILL: no handover, no cleanup.
    func kill() {
        guard let p = process else { return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// SIGTERM and wait (graceful: a leader hands over first).
    func stop() {
        guard let p = process else { return }
        p.terminate()
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
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return CLIResult(code: 255, stdout: "", stderr: "\(error)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(code: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// This member's status as JSON, or nil when it cannot answer.
    func status() -> [String: Any]? {
        let r = cli("status", "-o", "json")
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

/// Polls `condition` every 100 ms until it holds, for at most `seconds`.
func poll(_ what: String, seconds: Int = 30, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(seconds) s waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(100))
    }
}

/// A failed expectation in support code.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under /tmp, removed by the caller.
func temporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A base for peer ports unlikely to collide between concurrently running test suites.
func basePort() -> Int { 20000 + Int.random(in: 0..<400) * 100 }

import Foundation
import KibanTestSupport

/// One real `kiban agent` for machine `serial`, with its own state directory and log, talking
/// to members' node APIs on loopback. `run` processes die with this object and with the test
/// process (``ChildProcesses``).
final class AgentProcess: @unchecked Sendable {
    // @unchecked: `process` changes only in start()/kill(), which one test task calls in turn.
    let serial: String
    let stateDir: String
    let logPath: String
    private var process: Process?

    init(serial: String, under root: String) {
        self.serial = serial
        stateDir = root + "/agent-" + serial
        logPath = root + "/agent-" + serial + ".log"
    }

    deinit { kill() }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// `kiban agent join --token-file FILE` (the token written 0600 first).
    func join(token: String, servers: [String] = []) throws -> CLIResult {
        try FileManager.default.createDirectory(atPath: (stateDir as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let file = stateDir + ".token"
        _ = FileManager.default.createFile(atPath: file, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600])
        return ServerProcess.run(
            ["agent", "join", "--token-file", file, "--state-dir", stateDir, "--serial", serial]
                + servers.flatMap { ["--server", $0] })
    }

    /// Starts `kiban agent run` reporting every `interval` seconds.
    func start(interval: Double, servers: [String] = []) throws {
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try out.seekToEnd()
        let p = Process()
        p.executableURL = ServerProcess.executable
        p.arguments =
            ["agent", "run", "--state-dir", stateDir, "--serial", serial, "--interval", "\(interval)"]
            + servers.flatMap { ["--server", $0] }
        p.standardOutput = out
        p.standardError = out
        try ChildProcesses.launch(p)
        process = p
        try? out.close()
    }

    /// Whether `run` is still running.
    var isRunning: Bool { process?.isRunning == true }

    /// SIGKILL: the machine goes silent at once.
    func kill() {
        guard let p = process else { return }
        if p.isRunning { Foundation.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        process = nil
    }
}

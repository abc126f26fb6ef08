public import Foundation

/// A script in `integration/harness/`, run by a Swift test under a time limit, with its output.
public enum HarnessScript {
    /// The package root: three levels above this file (Tests/KibanTestSupport/…).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `integration/harness/NAME` with bash for at most `seconds`, with `environment` added to
    /// this process's (and /usr/sbin, /sbin on PATH). Returns its exit status and its standard
    /// output and error, interleaved.
    public static func run(_ name: String, seconds: Int, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let harness = root.appendingPathComponent("integration/harness")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        // unmasked.py: the script must get timeout's SIGTERM (and run its cleanup), whatever
        // signals this test process blocks. If this process dies, timeout is killed with it and
        // the script gets SIGTERM (both parent-death signals): nothing is left behind.
        p.arguments =
            ["-k", "10", "\(seconds)", "python3", harness.appendingPathComponent("unmasked.py").path]
            + ChildProcesses.command("bash", [harness.appendingPathComponent(name).path], deathSignal: "TERM")
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = env["PATH", default: "/usr/bin:/bin"] + ":/usr/sbin:/sbin"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try ChildProcesses.launch(p)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// Those of `tools` found neither on PATH nor in /usr/sbin or /sbin.
    public static func missingTools(_ tools: [String]) -> [String] {
        let path = ProcessInfo.processInfo.environment["PATH", default: ""] + ":/usr/sbin:/sbin"
        return tools.filter { tool in
            !path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
    }
}

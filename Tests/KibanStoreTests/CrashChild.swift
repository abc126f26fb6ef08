import Foundation
import Synchronization

/// The `kiban-store-crash` child process: started, watched line by line, killed with SIGKILL.
final class CrashChild: Sendable {
    private let process = Process()
    private let lines = LineBuffer()

    /// The executable, built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("kiban-store-crash")
    }

    init(directory: String, run: Int, writers: Int) throws {
        let out = Pipe()
        process.executableURL = Self.executable
        process.arguments = [directory, "\(run)", "\(writers)"]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [lines] handle in
            lines.add(String(decoding: handle.availableData, as: UTF8.self))
        }
        // Started directly, not through ChildProcesses.launch: this suite spawns and SIGKILLs a
        // writer fifty times with a pipe reader attached, and Foundation's child monitoring
        // crashed (libdispatch, signal 11) with the spawn thread in one of those cycles. The
        // writer is killed at the end of every cycle, and by deinit when a test fails.
        try process.run()
    }

    deinit { if process.isRunning { kill() } }

    /// Complete lines printed so far.
    var output: [String] { lines.complete }

    /// Kills the child with SIGKILL and waits for it to exit.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var isRunning: Bool { process.isRunning }
}

/// Bytes read from a pipe, split into complete lines.
final class LineBuffer: Sendable {
    private let state = Mutex<(all: [String], partial: String)>(([], ""))

    func add(_ chunk: String) {
        state.withLock { s in
            let parts = (s.partial + chunk).split(separator: "\n", omittingEmptySubsequences: false)
            s.all += parts.dropLast().map(String.init)
            s.partial = String(parts.last ?? "")
        }
    }

    var complete: [String] { state.withLock { $0.all } }
}

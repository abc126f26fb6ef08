import Foundation
import Synchronization

/// The `kiban-store-crash` child process: started, watched line by line, killed with SIGKILL.
final class CrashChild: Sendable {
    private let process = Process()
    private let lines = LineBuffer()
    private let errors = LineBuffer()

    /// The executable, built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("kiban-store-crash")
    }

    init(directory: String, run: Int, writers: Int) throws {
        let out = Pipe(), err = Pipe()
        process.executableURL = Self.executable
        process.arguments = [directory, "\(run)", "\(writers)"]
        process.standardOutput = out
        process.standardError = err
        for (pipe, buffer) in [(out, lines), (err, errors)] {
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty {
                    handle.readabilityHandler = nil
                    buffer.close()
                } else {
                    buffer.add(String(decoding: data, as: UTF8.self))
                }
            }
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

    /// Kills the child, then waits until its output pipe reached end of file, so that every
    /// acknowledgement it wrote before dying is in ``output`` (lines still in the pipe count).
    /// - Returns: false when the pipe did not close within `seconds`.
    func killAndDrain(seconds: Double = 10) async -> Bool {
        kill()
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !lines.isClosed, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return lines.isClosed
    }

    var isRunning: Bool { process.isRunning }

    /// How it ended and what it printed on standard error, for a child that died by itself.
    var exitDescription: String {
        "exit status \(process.terminationStatus) (\(process.terminationReason == .uncaughtSignal ? "signal" : "exit")): \(errors.complete.joined(separator: " | "))"
    }
}

/// Bytes read from a pipe, split into complete lines.
final class LineBuffer: Sendable {
    private let state = Mutex<(all: [String], partial: String, closed: Bool)>(([], "", false))

    func add(_ chunk: String) {
        state.withLock { s in
            let parts = (s.partial + chunk).split(separator: "\n", omittingEmptySubsequences: false)
            s.all += parts.dropLast().map(String.init)
            s.partial = String(parts.last ?? "")
        }
    }

    /// The writer's end closed: nothing more will come.
    func close() { state.withLock { $0.closed = true } }

    var complete: [String] { state.withLock { $0.all } }
    var isClosed: Bool { state.withLock { $0.closed } }
}

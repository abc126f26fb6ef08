import Foundation
import Synchronization

/// The `kiban-store-crash` child process: started, watched line by line, killed with SIGKILL.
final class CrashChild: Sendable {
    private let process = Process()
    private let lines = LineBuffer()
    private let errors = LineBuffer()
    private let out = Pipe()

    /// The executable, built next to the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("kiban-store-crash")
    }

    init(directory: String, run: Int, writers: Int) throws {
        let err = Pipe()
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
    func killAndDrain(seconds: Double = 3) async -> Bool {
        kill()
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !lines.isClosed, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        guard !lines.isClosed else { return true }
        // The readability handler did not report end of file (a dispatch source can miss it
        // once the writer is gone): stop it, let a call in flight finish, and read the rest
        // directly; the writer is dead, so this ends at once.
        // Non-blocking, in case another process inherited the pipe's write end.
        out.fileHandleForReading.readabilityHandler = nil
        try? await Task.sleep(for: .milliseconds(200))
        let fd = out.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                lines.add(String(decoding: chunk[..<n], as: UTF8.self))
            } else {
                // 0: end of file, every line is in; -1 (EAGAIN): the write end is still open
                // somewhere, and what the dead writer wrote has been read.
                lines.close()
                return true
            }
        }
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

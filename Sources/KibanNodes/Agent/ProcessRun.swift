import Foundation
import Synchronization

/// Runs a program without a shell, as checks, operations and `cryptsetup` need: argv only,
/// optional bytes on standard input (secrets go there, never on the command line), standard
/// output and error merged and only their last bytes kept, killed (SIGKILL) at a time limit.
public struct ProcessRun: Sendable {
    /// How a run ended.
    public struct Outcome: Sendable, Hashable {
        /// The exit status; nil when the program could not start or died of a signal.
        public var status: Int32?
        /// Whether it was killed at the time limit.
        public var timedOut: Bool
        /// The last ``outputMax`` bytes of its output (empty unless asked for).
        public var output: String
    }

    /// The program and its arguments (the first an absolute path, or looked up in PATH by
    /// `/usr/bin/env`).
    public var argv: [String]
    /// The time limit.
    public var timeoutSeconds: Int
    /// Bytes written to standard input, which is then closed (nil: /dev/null).
    public var input: [UInt8]?
    /// Whether to keep the output.
    public var captureOutput: Bool
    /// The most bytes of output kept.
    public static let outputMax = OperationResult.outputMax

    /// A run of `argv`, limited to `timeoutSeconds`.
    public init(_ argv: [String], timeoutSeconds: Int, input: [UInt8]? = nil, captureOutput: Bool = true) {
        self.argv = argv
        self.timeoutSeconds = timeoutSeconds
        self.input = input
        self.captureOutput = captureOutput
    }

    /// Runs it to the end or the time limit.
    public func run() async -> Outcome {
        guard let program = argv.first else { return Outcome(status: nil, timedOut: false, output: "no program given") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
        process.arguments = program.hasPrefix("/") ? Array(argv.dropFirst()) : argv
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
        let output = captureOutput ? Pipe() : nil
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = output ?? FileHandle.nullDevice
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            finished.continuation.yield($0.terminationStatus)
            finished.continuation.finish()
        }
        do { try process.run() } catch { return Outcome(status: nil, timedOut: false, output: "cannot start \(program): \(error)") }
        let tail = output.map { OutputTail(reading: $0.fileHandleForReading) }
        try? output?.fileHandleForWriting.close()
        if let stdin, let input {
            // A program that exits without reading would kill this process with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            try? stdin.fileHandleForReading.close()
            // A program that exits without reading makes the write fail (EPIPE); its status says why.
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        let pid = process.processIdentifier
        let killed = Atomic(false)
        let timer = Task {
            try await Task.sleep(for: .seconds(timeoutSeconds))
            killed.store(true, ordering: .relaxed)
            kill(pid, SIGKILL)
        }
        var status: Int32?
        for await s in finished.stream { status = s }
        timer.cancel()
        let text = await tail?.text() ?? ""
        let timedOut = killed.load(ordering: .relaxed)
        return Outcome(status: process.terminationReason == .uncaughtSignal ? nil : status, timedOut: timedOut, output: text)
    }
}

/// Reads a pipe on its own thread, keeping the last ``ProcessRun/outputMax`` bytes.
final class OutputTail: Sendable {
    private let buffer = Mutex<(bytes: [UInt8], done: Bool)>(([], false))

    init(reading handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.buffer.withLock {
                    $0.bytes += chunk
                    if $0.bytes.count > 2 * ProcessRun.outputMax { $0.bytes.removeFirst($0.bytes.count - ProcessRun.outputMax) }
                }
            }
            self.buffer.withLock { $0.done = true }
        }
    }

    /// The tail once the pipe closed, or after 2 s (a child that outlived the program may hold
    /// it open).
    func text() async -> String {
        for _ in 0..<200 {
            if buffer.withLock({ $0.done }) { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        let bytes = buffer.withLock { $0.bytes.suffix(ProcessRun.outputMax) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

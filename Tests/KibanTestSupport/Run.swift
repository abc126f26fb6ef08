public import Foundation

/// The outcome of running a program that is not ours (curl, python3, ip).
public struct RunResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: String

    public var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `arguments` (looked up on PATH) to completion and captures its output. Every client
/// started here has its own deadline (curl --max-time, socket timeouts), so this cannot hang.
public func run(_ arguments: [String]) async throws -> RunResult {
    try await onOwnThread { try runBlocking(arguments) }
}

/// Runs blocking or long work on a thread of its own, so that tests never hold the few
/// threads Swift concurrency and Dispatch share (a UDP handler's reply task needs one).
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// `run` for synchronous contexts (test traits).
public func runBlocking(_ arguments: [String]) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}

/// True when `name` is on PATH.
public func haveCommand(_ name: String) -> Bool {
    (try? runBlocking(["sh", "-c", "command -v \(name)"]).status) == 0
}

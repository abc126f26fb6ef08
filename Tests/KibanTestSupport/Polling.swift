import Foundation

/// A failed expectation in support code, thrown with what went wrong.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` every 100 ms until it holds, for at most `seconds` (60 by default: the
/// machine may be loaded); throws a ``TestFailure`` naming `what` when time runs out.
public func poll(_ what: String, seconds: Int = 60, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(seconds) s waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(100))
    }
}

/// ``poll(_:seconds:_:)`` for synchronous code: blocks the calling thread between tries.
public func pollBlocking(_ what: String, seconds: Int = 60, _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(seconds) s waiting for \(what)") }
        Thread.sleep(forTimeInterval: 0.05)
    }
}

/// A fresh directory under the system's temporary directory, named after `label`; the caller
/// removes it (or uses ``TemporaryDirectory``, which removes itself).
public func temporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A fresh temporary directory that is removed when the value is released.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "kiban-test") throws { path = try temporaryDirectory(label) }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

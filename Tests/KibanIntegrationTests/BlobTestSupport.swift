import Foundation
import KibanTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Files of random bytes for upload tests.
struct TestFiles {
    let root: String

    /// Writes `bytes` random bytes to `root/name`; returns the path.
    func random(_ name: String, bytes: Int) throws -> String {
        let path = root + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var generator = SystemRandomNumberGenerator()
        var words = [UInt64](repeating: 0, count: (1 << 20) / 8)
        var left = bytes
        while left > 0 {
            let n = min(left, 1 << 20)
            for i in words.indices { words[i] = generator.next() }
            words.withUnsafeBytes { handle.write(Data($0.prefix(n))) }
            left -= n
        }
        return path
    }

    /// Writes `text` to `root/name`; returns the path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = root + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// The SHA-256 of a file as the system's `sha256sum` computes it.
func sha256sum(_ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    p.arguments = [path]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0, let hash = text.split(separator: " ").first else { throw TestFailure("sha256sum \(path) failed") }
    return String(hash)
}

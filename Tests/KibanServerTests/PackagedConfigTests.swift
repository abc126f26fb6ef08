import Foundation
import Testing

@testable import KibanServer

/// `packaging/kiban.yaml` is the package's conffile (/etc/kiban/kiban.yaml): every setting,
/// commented out, showing its default.
@Suite("The packaged kiban.yaml")
struct PackagedConfigTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("packaging/kiban.yaml").path

    /// The `# key: value` lines of the file.
    static func commentedSettings() throws -> [(key: String, value: String)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let match = line.wholeMatch(of: /# ([a-z][a-z-]*): (\S+)/) else { return nil }
            return (String(match.1), String(match.2))
        }
    }

    @Test("Every setting the daemon reads is in the file, commented out, once")
    func everySetting() throws {
        let keys = try Self.commentedSettings().map(\.key)
        let known = ServerConfig.CodingKeys.allCases.map(\.rawValue)
        for key in known {
            #expect(keys.filter { $0 == key }.count == 1, "packaging/kiban.yaml must show `# \(key): <default>`")
        }
        for key in keys {
            #expect(known.contains(key), "packaging/kiban.yaml shows \(key), which the daemon does not read")
        }
    }

    @Test("As shipped the file changes nothing, and each value it shows is the real default")
    func defaultsShown() throws {
        #expect(try ServerConfig.load(path: Self.path, required: true) == ServerConfig())
        let uncommented = try Self.commentedSettings().map { "\($0.key): \($0.value)\n" }.joined()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-\(UUID().uuidString).yaml").path
        try Data(uncommented.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var loaded = try ServerConfig.load(path: path, required: true)
        // The name's default is the host's; the file shows an example instead.
        loaded.name = ServerConfig().name
        #expect(loaded == ServerConfig())
    }
}

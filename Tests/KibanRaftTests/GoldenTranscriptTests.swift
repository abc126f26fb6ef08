import Foundation
import Testing
import KibanRaft

/// Golden transcripts: each file in `testdata/` is a list of commands, each followed by `----`
/// and the output it must produce. `KIBAN_REWRITE_GOLDEN=1 swift test` rewrites the outputs
/// after a deliberate change; review the diff like code.
@Suite("Golden transcripts")
struct GoldenTranscriptTests {
    static let files = ["election", "prevote-rejoin", "checkquorum-stepdown", "learner-promotion",
                        "snapshot-install", "leadership-transfer", "figure8", "read-index",
                        "remove-leader"]

    @Test("Transcript matches its golden output", arguments: files)
    func transcript(name: String) throws {
        guard let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "testdata") else {
            Issue.record("missing testdata/\(name).txt")
            return
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        var env = InteractionEnv()
        var rewritten: [String] = []
        var mismatches: [String] = []
        for block in text.components(separatedBy: "\n\n") where !block.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let parts = block.components(separatedBy: "\n----\n")
            let commandLines = parts[0].split(separator: "\n").map(String.init)
            let expected = parts.count > 1 ? parts[1].trimmingCharacters(in: .newlines) : ""
            var actual: [String] = []
            for line in commandLines where !line.hasPrefix("#") {
                if line.hasPrefix("set ") {
                    applySetting(line, to: &env)
                    continue
                }
                actual.append(try env.run(line))
            }
            let got = actual.filter { !$0.isEmpty }.joined(separator: "\n")
            let shown = got.isEmpty ? "ok" : got
            if shown != expected {
                mismatches.append("\(commandLines.joined(separator: "; ")):\n--- expected\n\(expected)\n--- got\n\(shown)")
            }
            rewritten.append(parts[0] + "\n----\n" + shown)
        }
        if ProcessInfo.processInfo.environment["KIBAN_REWRITE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("testdata/\(name).txt")
            try (rewritten.joined(separator: "\n\n") + "\n").write(to: source, atomically: true, encoding: .utf8)
            return
        }
        #expect(mismatches.isEmpty, "\(name).txt differs:\n\(mismatches.joined(separator: "\n\n"))")
    }

    private func applySetting(_ line: String, to env: inout InteractionEnv) {
        switch line {
        case "set unsafe commitPreviousTermByCount": env.unsafe.insert(.commitPreviousTermByCount)
        case "set prevote off": env.preVote = false
        case "set checkquorum off": env.checkQuorum = false
        default: break
        }
    }
}

import Foundation
import KibanRaft
import Testing

/// Golden transcripts: each file in `testdata/` is a list of commands, each followed by `----`
/// and the output it must produce. `KIBAN_REWRITE_GOLDEN=1 swift test` rewrites the outputs
/// after a deliberate change; review the diff like code.
@Suite("Golden transcripts")
struct GoldenTranscriptTests {
    static let files = [
        "election", "prevote-rejoin", "checkquorum-stepdown", "learner-promotion",
        "snapshot-install", "leadership-transfer", "figure8", "figure8-unsafe", "read-index",
        "remove-leader",
    ]

    @Test("Transcript matches its golden output", arguments: files)
    func transcript(name: String) throws {
        // Read from the source tree, so that a rewrite is seen by the next run without a build.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("testdata/\(name).txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        var env = InteractionEnv()
        var rewritten: [String] = []
        var mismatches: [String] = []
        for block in Self.blocks(text) {
            var actual: [String] = []
            for line in block.commands where !line.hasPrefix("#") {
                if line.hasPrefix("set ") {
                    applySetting(line, to: &env)
                    continue
                }
                actual.append(try env.run(line))
            }
            let got = actual.filter { !$0.isEmpty }.joined(separator: "\n")
            let shown = got.isEmpty ? "ok" : got
            if shown != block.expected {
                mismatches.append("\(block.commands.joined(separator: "; ")):\n--- expected\n\(block.expected)\n--- got\n\(shown)")
            }
            rewritten.append(block.commands.joined(separator: "\n") + "\n----\n" + shown)
        }
        if ProcessInfo.processInfo.environment["KIBAN_REWRITE_GOLDEN"] == "1" {
            try (rewritten.joined(separator: "\n\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(mismatches.isEmpty, "\(name).txt differs:\n\(mismatches.joined(separator: "\n\n"))")
    }

    /// Splits a transcript into blocks: command lines, a `----` line, expected lines up to a
    /// blank line.
    static func blocks(_ text: String) -> [(commands: [String], expected: String)] {
        var result: [(commands: [String], expected: String)] = []
        var commands: [String] = []
        var expected: [String] = []
        var inExpected = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line == "----" {
                inExpected = true
            } else if line.isEmpty {
                if inExpected {
                    result.append((commands, expected.joined(separator: "\n")))
                    commands = []
                    expected = []
                    inExpected = false
                }
            } else if inExpected {
                expected.append(line)
            } else {
                commands.append(line)
            }
        }
        if inExpected { result.append((commands, expected.joined(separator: "\n"))) }
        return result
    }

    private func applySetting(_ line: String, to env: inout InteractionEnv) {
        switch line {
        case "set unsafe commitPreviousTermByCount": env.unsafe.insert(.commitPreviousTermByCount)
        case "set prevote off": env.preVote = false
        case "set checkquorum off": env.checkQuorum = false
        case "set max-msg-bytes 1": env.messageBytesMax = 1
        default: break
        }
    }
}

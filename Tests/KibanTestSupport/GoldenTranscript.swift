public import Foundation

/// Golden transcripts: a text file of blocks, each some command lines, a `----` line and the
/// output the commands must produce, up to a blank line. Lines starting with `#` are comments.
/// `KIBAN_REWRITE_GOLDEN=1 swift test` rewrites the outputs after a deliberate change; review the
/// diff like code.
public enum GoldenTranscript {
    /// Runs every block of `url` through `run` (its command lines → its output; an empty output
    /// is written `ok`) and returns one description per block whose output differs, or rewrites
    /// the file when `KIBAN_REWRITE_GOLDEN=1`. Read from the source tree, so that a rewrite is
    /// seen by the next run without a build.
    public static func check(_ url: URL, run: ([String]) throws -> String) throws -> [String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var rewritten: [String] = []
        var mismatches: [String] = []
        for block in blocks(text) {
            let got = try run(block.commands.filter { !$0.hasPrefix("#") })
            let shown = got.isEmpty ? "ok" : got
            if shown != block.expected {
                mismatches.append("\(block.commands.joined(separator: "; ")):\n--- expected\n\(block.expected)\n--- got\n\(shown)")
            }
            rewritten.append(block.commands.joined(separator: "\n") + "\n----\n" + shown)
        }
        if ProcessInfo.processInfo.environment["KIBAN_REWRITE_GOLDEN"] == "1" {
            try (rewritten.joined(separator: "\n\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            return []
        }
        return mismatches
    }

    /// The `testdata/NAME.txt` beside the test source file `file` (pass `#filePath`).
    public static func file(_ name: String, besides file: String) -> URL {
        URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("testdata/\(name).txt")
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
}

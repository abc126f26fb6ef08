import Foundation
import KibanRaft
import KibanTestSupport
import Testing

/// Golden transcripts of the Raft core (`GoldenTranscript` in KibanTestSupport: each file in
/// `testdata/` holds commands, `----` and the output they must produce).
@Suite("Golden transcripts")
struct GoldenTranscriptTests {
    static let files = [
        "election", "prevote-rejoin", "checkquorum-stepdown", "learner-promotion",
        "snapshot-install", "leadership-transfer", "figure8", "figure8-unsafe", "read-index",
        "remove-leader",
    ]

    @Test("Transcript matches its golden output", arguments: files)
    func transcript(name: String) throws {
        var env = InteractionEnv()
        let mismatches = try GoldenTranscript.check(GoldenTranscript.file(name, besides: #filePath)) { commands in
            var actual: [String] = []
            for line in commands {
                if line.hasPrefix("set ") {
                    applySetting(line, to: &env)
                } else {
                    actual.append(try env.run(line))
                }
            }
            return actual.filter { !$0.isEmpty }.joined(separator: "\n")
        }
        #expect(mismatches.isEmpty, "\(name).txt differs:\n\(mismatches.joined(separator: "\n\n"))")
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

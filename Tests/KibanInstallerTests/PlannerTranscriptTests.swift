import Foundation
import KibanTestSupport
import Testing

/// The planner's golden transcripts (testdata/*.txt; commands in PlannerEnv.swift):
/// `KIBAN_REWRITE_GOLDEN=1 swift test --filter PlannerTranscriptTests` rewrites them after a
/// deliberate change; review the diff like code.
@Suite("Installer planner transcripts")
struct PlannerTranscriptTests {
    static let files = [
        "bootstrap", "add-worker", "replace-control-plane", "rack-lost", "upgrade", "too-few", "retry", "five-members",
        "quorum-lost", "rack-spread",
    ]

    @Test("Transcript matches its golden output", arguments: files)
    func transcript(name: String) throws {
        var env = PlannerEnv()
        let mismatches = try GoldenTranscript.check(GoldenTranscript.file(name, besides: #filePath)) { commands in
            try commands.map { try env.run($0) }.filter { !$0.isEmpty }.joined(separator: "\n")
        }
        #expect(mismatches.isEmpty, "\(name).txt differs:\n\(mismatches.joined(separator: "\n\n"))")
    }
}

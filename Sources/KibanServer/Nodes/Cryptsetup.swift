import Foundation
import KibanNodes

/// The `cryptsetup` tool (package `cryptsetup-bin`), as the agent drives it: LUKS2 only, the
/// volume key always on standard input (`--key-file -`), never in a file, an argument or the
/// environment.
struct Cryptsetup: Sendable {
    /// The program's path.
    let program: String

    /// Where the tool is looked for.
    static let candidates = ["/usr/sbin/cryptsetup", "/sbin/cryptsetup", "/usr/bin/cryptsetup"]

    /// The installed tool.
    /// - Throws: ``ServerError`` `config` when it is not installed.
    static func find() throws(ServerError) -> Cryptsetup {
        guard let program = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ServerError(.config, "cryptsetup is not installed (apt install cryptsetup-bin)")
        }
        return Cryptsetup(program: program)
    }

    /// Whether `device` holds a LUKS header.
    func isLUKS(_ device: String) async -> Bool {
        await ProcessRun([program, "isLuks", "--", device], timeoutSeconds: 60, captureOutput: false).run().status == 0
    }

    /// `luksFormat --type luks2 --batch-mode` with `key`.
    func format(_ device: String, key: [UInt8]) async throws(ServerError) {
        try await run(["luksFormat", "--type", "luks2", "--batch-mode", "--key-file", "-", device], key: key, doing: "format \(device)")
    }

    /// Opens `device` as `/dev/mapper/<name>` with `key`.
    func open(_ device: String, as name: String, key: [UInt8]) async throws(ServerError) {
        try await run(["open", "--type", "luks2", "--key-file", "-", device, name], key: key, doing: "open \(device)")
    }

    /// Checks that `key` opens a key slot of `device`, without mapping it.
    func test(_ device: String, key: [UInt8]) async throws(ServerError) {
        try await run(["open", "--type", "luks2", "--test-passphrase", "--key-file", "-", device], key: key, doing: "check the key of \(device)")
    }

    private func run(_ arguments: [String], key: [UInt8], doing what: String) async throws(ServerError) {
        let outcome = await ProcessRun([program] + arguments, timeoutSeconds: 600, input: key).run()
        guard outcome.status == 0 else {
            let said = outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
            throw ServerError(.internal, "cryptsetup could not \(what)" + (said.isEmpty ? "" : ": \(said)"))
        }
    }
}

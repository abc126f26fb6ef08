import Foundation
import KibanTestSupport

/// One Prometheus family as integration/metrics/parse-metrics.py (prometheus_client's parser) reads it.
struct ScrapedFamily {
    var name: String
    var type: String
    var help: String
    var samples: [(name: String, labels: [String: String], value: Double)]

    /// The value of the sample named `name` (the family's name by default) with exactly `labels`.
    func value(_ labels: [String: String] = [:], sample: String? = nil) -> Double? {
        samples.first { $0.name == (sample ?? name) && $0.labels == labels }?.value
    }
}

/// Reading a member's metrics port.
enum Scrape {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let tools = repository.appendingPathComponent("integration/metrics").path

    /// `GET url` with curl: the status code and the body (bounded to 30 s).
    static func get(_ url: String) -> (code: Int, body: String) {
        let r = ServerProcess.runTool("/usr/bin/curl", ["-s", "--max-time", "30", "-w", "\n%{http_code}", url])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// `m`'s exposition parsed by prometheus_client, by family name.
    static func families(_ m: ServerProcess) throws -> [String: ScrapedFamily] {
        let (code, text) = get("http://\(m.address):\(m.metricsPort)/metrics")
        guard code == 200 else { throw TestFailure("GET /metrics on \(m.name): \(code)") }
        let parsed = try python(["\(tools)/parse-metrics.py"], input: text)
        guard let list = try JSONSerialization.jsonObject(with: Data(parsed.utf8)) as? [[String: Any]] else {
            throw TestFailure("the parser printed no list: \(parsed)")
        }
        return Dictionary(
            list.map { f in
                let samples = ((f["samples"] as? [[String: Any]]) ?? []).map {
                    (
                        name: $0["name"] as? String ?? "", labels: $0["labels"] as? [String: String] ?? [:],
                        value: ($0["value"] as? NSNumber)?.doubleValue ?? .nan
                    )
                }
                let family = ScrapedFamily(
                    name: f["name"] as? String ?? "", type: f["type"] as? String ?? "", help: f["help"] as? String ?? "", samples: samples)
                return (family.name, family)
            }, uniquingKeysWith: { a, _ in a })
    }

    /// Runs python3 with `arguments`, `input` on standard input; its standard output, or a
    /// failure with its standard error.
    static func python(_ arguments: [String], input: String = "") throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        let inPipe = Pipe()
        let out = Pipe()
        let err = Pipe()
        p.standardInput = inPipe
        p.standardOutput = out
        p.standardError = err
        try p.run()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("python3 \(arguments): \(String(decoding: stderr, as: UTF8.self))") }
        return String(decoding: stdout, as: UTF8.self)
    }
}

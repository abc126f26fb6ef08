import ArgumentParser
import Foundation
import KibanServer

/// How a command reaches the daemon and prints its answer.
struct ClientOptions: ParsableArguments {
    @Option(help: "The daemon's admin socket (default: $KIBAN_SOCKET or /run/kiban/kiban.sock).")
    var socket: String?

    @Option(name: .shortAndLong, help: "Output format: table, json or yaml.")
    var output: OutputFormat = .table

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["KIBAN_SOCKET"] ?? "/run/kiban/kiban.sock"
    }

    /// Calls the daemon and returns the decoded answer; an error answer becomes the
    /// daemon's message and a non-zero exit.
    func call<T: Decodable>(_ method: String, _ path: String, body: some Encodable, as type: T.Type) throws -> (T, [UInt8]) {
        try send(method, path, bytes: Array(try JSONEncoder().encode(body)), as: type)
    }

    /// ``call(_:_:body:as:)`` without a body.
    func call<T: Decodable>(_ method: String, _ path: String, as type: T.Type) throws -> (T, [UInt8]) {
        try send(method, path, bytes: [], as: type)
    }

    private func send<T: Decodable>(_ method: String, _ path: String, bytes: [UInt8], as type: T.Type) throws -> (T, [UInt8]) {
        let (status, json) = try AdminClient(socketPath: socketPath).call(method, path, body: bytes)
        guard status == 200 else {
            let error = try? JSONDecoder().decode([String: String].self, from: Data(json))
            throw AdminClient.Failure(description: error?["message"] ?? "the daemon answered HTTP \(status)")
        }
        do {
            return (try JSONDecoder().decode(type, from: Data(json)), json)
        } catch {
            throw AdminClient.Failure(description: "the daemon's answer is not what this kiban expects (\(error)); are the CLI and daemon the same version?")
        }
    }

    /// Prints `json` as is for `-o json`, as YAML for `-o yaml`, else the table `rows` (header first).
    func print(json: [UInt8], rows: [[String]]) {
        switch output {
        case .json: Swift.print(String(decoding: json, as: UTF8.self))
        case .table: Swift.print(Table.render(rows), terminator: "")
        case .yaml: Swift.print(YAMLOutput.render(json: json) ?? String(decoding: json, as: UTF8.self), terminator: "")
        }
    }
}

/// `-o`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, yaml
}

/// Aligned columns, as `kubectl get` prints them.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        let widths = rows.reduce(into: [Int]()) { w, row in
            for (i, cell) in row.enumerated() {
                if i < w.count { w[i] = max(w[i], cell.count) } else { w.append(cell.count) }
            }
        }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}

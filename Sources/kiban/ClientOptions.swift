import ArgumentParser
import Foundation
import KibanAdminAPI

/// How every command that talks to the daemon reaches it (`--socket`) and prints its answer
/// (`-o table|json|yaml`).
struct ClientOptions: ParsableArguments {
    @Option(help: "The daemon's admin socket (default: $KIBAN_SOCKET or /run/kiban/kiban.sock).")
    var socket: String?

    @Option(name: .shortAndLong, help: "Output format: table (for people), json or yaml (for scripts).")
    var output: OutputFormat = .table

    var socketPath: String { Self.socketPath(socket) }

    /// `--socket`, else `$KIBAN_SOCKET`, else the packaged daemon's socket.
    static func socketPath(_ socket: String?) -> String {
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
        try AdminClient.check(status: status, json)
        do {
            return (try JSONDecoder().decode(type, from: Data(json)), json)
        } catch {
            throw AdminClient.Failure(description: "the daemon's answer is not what this kiban expects (\(error)); are the CLI and daemon the same version?")
        }
    }

    /// Prints `json` as is for `-o json`, as YAML for `-o yaml`, else the table `rows`
    /// (header first).
    func print(json: [UInt8], rows: [[String]]) { output.print(json: json, rows: rows) }

    /// Prints a JSON document as `-o` asks (`table` prints it as JSON: it has no table form).
    func print(document json: [UInt8]) { output.print(document: json) }
}

/// `-o`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, yaml

    /// Prints `json` as is for `json`, as YAML for `yaml`, else the table `rows` (header first).
    func print(json: [UInt8], rows: [[String]]) {
        switch self {
        case .json, .yaml: print(document: json)
        case .table: Swift.print(Table.render(rows), terminator: "")
        }
    }

    /// Prints a JSON document in this format (`table` prints it as JSON: it has no table form).
    func print(document json: [UInt8]) {
        guard self == .yaml else { return Swift.print(String(decoding: json, as: UTF8.self)) }
        do {
            Swift.print(try YAMLOutput.render(json: json), terminator: "")
        } catch {
            // The daemon's answers are JSON; print what came rather than nothing.
            Swift.print(String(decoding: json, as: UTF8.self))
        }
    }
}

/// Aligned columns, as `kubectl get` prints them. Every cell is escaped first
/// (``escape(_:)``): cells carry text from clients and the store (DHCP host names, labels,
/// image ids written with `kiban kv put`), which must not reach the operator's terminal as
/// control sequences.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        let rows = rows.map { $0.map(escape) }
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

extension Table {
    /// `text` with every character that a terminal would act on written out instead: C0
    /// controls (ESC, so every escape sequence, and BEL, CR, LF, TAB…), DEL and C1 controls
    /// (CSI U+009B, OSC U+009D…) as `\xNN` or `\u{NNNN}`, and the bidirectional overrides and
    /// isolates that reorder what is shown (U+202A–202E, U+2066–2069) as `\u{NNNN}`; a
    /// backslash is doubled so that the escapes cannot be forged. JSON and YAML output is not
    /// escaped: it is data, and exact.
    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if scalar.value < 0x80, needsEscape(scalar) {
                out += "\\x" + hex(scalar.value, digits: 2)
            } else if needsEscape(scalar) {
                out += "\\u{" + hex(scalar.value, digits: 4) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        case 0x5C: true
        default: false
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

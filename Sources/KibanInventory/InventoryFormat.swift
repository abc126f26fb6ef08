public import Foundation
import Yams

/// Reading and writing inventory documents for the CLI and the admin API: IPAM configurations
/// and machine lists in JSON or YAML in; JSON, YAML or a table out. Pure functions.
public enum InventoryFormat {
    /// An output format (`-o json|yaml|table`).
    public enum Output: String, Sendable, CaseIterable {
        case json, yaml, table
    }

    /// Decodes an IPAM configuration from JSON or YAML (sabakan's file as is).
    /// - Throws: ``InventoryError`` `invalidInput` saying what is wrong where.
    public static func ipam(from bytes: [UInt8]) throws(InventoryError) -> IPAMConfig {
        try decode(IPAMConfig.self, bytes, what: "IPAM configuration")
    }

    /// Decodes a machine list from JSON or YAML: sabakan's machines file is accepted as is.
    /// - Throws: ``InventoryError`` `invalidInput` saying what is wrong where.
    public static func registrations(from bytes: [UInt8]) throws(InventoryError) -> [MachineRegistration] {
        try decode([MachineRegistration].self, bytes, what: "machine list")
    }

    /// JSON when the document starts with `{` or `[`, YAML otherwise.
    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(InventoryError) -> T {
        let first = bytes.first { !Character(UnicodeScalar($0)).isWhitespace }
        do {
            if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                return try InventoryCodec.decoder().decode(type, from: Data(bytes))
            }
            return try YAMLDecoder().decode(type, from: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw InventoryError(.invalidInput, "the \(what) cannot be read: \(describe(error))")
        }
    }

    /// A decoding error as one sentence with the path to the bad field.
    static func describe(_ error: any Error) -> String {
        let path = { (ctx: DecodingError.Context) in
            ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let ctx)?: return "\(path(ctx)).\(key.stringValue) is missing"
        case .typeMismatch(_, let ctx)?, .valueNotFound(_, let ctx)?, .dataCorrupted(let ctx)?:
            return "\(path(ctx).isEmpty ? "the document" : path(ctx)): \(ctx.debugDescription)"
        default: return "\(error)"
        }
    }

    /// `value` as JSON (indented, sorted keys, RFC 3339 times) or YAML.
    /// - Throws: ``InventoryError`` `invalidInput` for `.table` (use ``table(_:)``).
    public static func encode(_ value: some Encodable, as output: Output) throws(InventoryError) -> String {
        do {
            switch output {
            case .json:
                let e = InventoryCodec.encoder()
                e.outputFormatting.insert(.prettyPrinted)
                return String(decoding: try e.encode(value), as: UTF8.self) + "\n"
            case .yaml:
                let e = YAMLEncoder()
                e.options.sortKeys = true
                return try e.encode(value)
            case .table:
                throw InventoryError(.invalidInput, "a table shows machines only; use -o json or -o yaml")
            }
        } catch let error as InventoryError {
            throw error
        } catch {
            throw InventoryError(.invalidInput, "cannot encode \(type(of: value)): \(error)")
        }
    }

    /// Machines as sabakan prints them, in `json` or `yaml`, or as a ``table(_:)``.
    public static func machines(_ machines: [Machine], ipam: IPAMConfig, now: Date, as output: Output) throws(InventoryError) -> String {
        if output == .table { return table(machines) }
        return try encode(machines.map { MachineDocument($0, ipam: ipam, now: now) }, as: output)
    }

    /// Midnight UTC of a `YYYYMMDD` day, as `kiban logs` and sabakan's `GET logs?since&until`
    /// take them; nil for anything else.
    public static func day(_ text: String) -> Date? {
        guard text.utf8.count == 8, text.allSatisfy(\.isASCII), let y = Int(text.prefix(4)),
            let m = Int(text.dropFirst(4).prefix(2)), let d = Int(text.suffix(2)),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(RFC3339.daysFromCivil(year: y, month: m, day: d) * 86_400))
    }

    /// Audit records: `json` is JSON Lines, one record per line (sabakan's `GET logs` format);
    /// `yaml` a YAML list; `table` aligned columns (time, revision, user, category, instance,
    /// action, detail).
    public static func auditLog(_ records: [AuditRecord], as output: Output) throws(InventoryError) -> String {
        switch output {
        case .yaml: return try encode(records, as: .yaml)
        case .json:
            var lines = ""
            for r in records { lines += String(decoding: try InventoryCodec.encode(r), as: UTF8.self) + "\n" }
            return lines
        case .table:
            return columns(
                ["TIME", "REV", "USER", "CATEGORY", "INSTANCE", "ACTION", "DETAIL"],
                records.map {
                    [InventoryCodec.rfc3339($0.ts), String($0.rev), $0.user, $0.category, $0.instance, $0.action, $0.detail]
                })
        }
    }

    /// Machines as an aligned table (serial, rack, index, role, state, first IPv4, BMC), by rack
    /// and index.
    public static func table(_ machines: [Machine]) -> String {
        let rows = machines.sorted { ($0.registration.rack, $0.indexInRack) < ($1.registration.rack, $1.indexInRack) }.map {
            [
                $0.serial, String($0.registration.rack), String($0.indexInRack), $0.registration.role,
                $0.state.rawValue, $0.ipv4.first?.description ?? "-", $0.bmcIPv4.description,
            ]
        }
        return columns(machineHeader, rows)
    }

    /// Rows under a header, each column as wide as its widest cell.
    static func columns(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

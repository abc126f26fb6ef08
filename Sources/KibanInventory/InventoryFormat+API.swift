public import Foundation

/// The admin API's side of the formats: compact JSON on the wire (RFC 3339 times, as stored),
/// read back by the CLI, which prints it as a table, indented JSON or YAML.
extension InventoryFormat {
    /// `value` as compact JSON with sorted keys and RFC 3339 times.
    /// - Throws: ``InventoryError`` `invalidInput` when it cannot be encoded.
    public static func wire(_ value: some Encodable) throws(InventoryError) -> [UInt8] {
        try InventoryCodec.encode(value)
    }

    /// Decodes what ``wire(_:)`` wrote (machine documents, audit records, an IPAM configuration).
    /// - Throws: ``InventoryError`` `invalidInput` naming the bad field.
    public static func fromWire<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(InventoryError) -> T {
        do {
            return try InventoryCodec.decoder().decode(type, from: Data(bytes))
        } catch {
            throw InventoryError(.invalidInput, "the \(what) cannot be read: \(describe(error))")
        }
    }

    /// Machine documents as the machine table's header and rows: serial, rack, index, role,
    /// state, first IPv4, BMC, by rack and index. The CLI renders them with its table, which
    /// escapes every cell before it reaches a terminal.
    public static func tableRows(_ documents: [MachineDocument]) -> [[String]] {
        let sorted = documents.sorted { ($0.spec.rack, $0.spec.indexInRack) < ($1.spec.rack, $1.spec.indexInRack) }
        return [machineHeader]
            + sorted.map { d in
                [
                    d.spec.serial, String(d.spec.rack), String(d.spec.indexInRack), d.spec.role, d.status.state.rawValue,
                    d.spec.ipv4.first ?? "-", d.spec.bmc.ipv4,
                ]
            }
    }

    /// The machine table's header.
    static let machineHeader = ["SERIAL", "RACK", "INDEX", "ROLE", "STATE", "IPV4", "BMC"]
}

extension InventoryFormat {
    /// A `YYYYMMDD` day (midnight UTC) or an RFC 3339 time, as `kiban logs --since` and
    /// `set-retire-date` take them; nil for anything else.
    public static func time(_ text: String) -> Date? {
        day(text) ?? InventoryCodec.parseDate(text)
    }
}

extension InventoryFormat {
    /// A duration with its unit, as `kiban logs set-retention` takes it (`90d`, `36h`, `30m`,
    /// `600s`), in seconds; nil for anything else, zero, or an overflow.
    public static func seconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        guard let unit = text.last.flatMap({ units[$0] }), let n = Int64(text.dropLast()), n > 0,
            n <= Int64.max / unit
        else { return nil }
        return n * unit
    }

    /// Seconds in the largest unit that divides them: `5184000` is `60d`.
    public static func duration(_ seconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where seconds != 0 && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}

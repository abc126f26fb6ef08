import Foundation
import KibanStore

/// JSON as the inventory stores it: sorted keys, dates in RFC 3339. Dates are read in RFC 3339
/// with or without fractional seconds, as sabakan writes them.
enum InventoryCodec {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(rfc3339(date))
        }
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "\(text) is not an RFC 3339 time")
            }
            return date
        }
        return d
    }

    /// `2026-11-26T19:40:00Z`, with fractional seconds only when there are some.
    /// (Format styles are values: no formatter object is created per date, which dominated
    /// decoding a few thousand machines.)
    static func rfc3339(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
        if whole { return RFC3339.formatUTC(date) }
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: !whole))
    }

    /// Parses RFC 3339 with or without fractional seconds.
    static func parseDate(_ text: String) -> Date? {
        if let d = RFC3339.parseUTC(text) { return d }
        if let d = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return d }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func encode(_ value: some Encodable) throws(InventoryError) -> [UInt8] {
        do {
            return Array(try encoder().encode(value))
        } catch {
            throw InventoryError(.invalidInput, "cannot encode \(type(of: value)) as JSON: \(error)")
        }
    }

    static func decode<T: Decodable>(
        _ type: T.Type, _ bytes: [UInt8], what: String,
        using decoder: JSONDecoder = decoder()
    ) throws(InventoryError) -> T {
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            throw InventoryError(.unsupportedSchema, "\(what) in the store is not a \(T.self) this kiban can read: \(error)")
        }
    }

    /// The machines stored in `kvs` (machine keys), with one decoder for all of them.
    static func machines(_ kvs: [KeyValue]) throws(InventoryError) -> [Machine] {
        let d = decoder()
        return try kvs.map { kv throws(InventoryError) in
            try decode(Machine.self, kv.value, what: "machine \(InventoryKeys.serial(of: kv.key))", using: d)
        }
    }
}

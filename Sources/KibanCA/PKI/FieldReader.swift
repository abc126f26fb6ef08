import Foundation

/// Reads typed fields from a parsed YAML/JSON mapping, collecting one problem per bad field.
struct FieldReader {
    let fields: [String: Any]
    var problems: [String] = []

    mutating func string(_ key: String) -> String? {
        guard let value = fields[key] else { return nil }
        guard let text = value as? String else {
            problems.append("\(key): must be a string")
            return nil
        }
        return text
    }

    mutating func strings(_ key: String) -> [String]? {
        guard let value = fields[key] else { return nil }
        guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
            problems.append("\(key): must be a list of strings")
            return nil
        }
        return list.compactMap { $0 as? String }
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = fields[key] else { return nil }
        guard let flag = value as? Bool else {
            problems.append("\(key): must be true or false")
            return nil
        }
        return flag
    }

    mutating func duration(_ key: String) -> Double? {
        guard let value = fields[key] else { return nil }
        if let seconds = value as? Int, seconds > 0 { return Double(seconds) }
        if let text = value as? String, let seconds = DurationText.seconds(text) { return seconds }
        problems.append("\(key): must be a duration like 90s, 30m, 720h or 30d")
        return nil
    }

    mutating func keyTypes() -> [KeyType]? {
        guard let names = strings("key_types") else { return nil }
        var types: [KeyType] = []
        for name in names {
            guard let type = KeyType(rawValue: name) else {
                problems.append("key_types: \(name) is not one of \(KeyType.names)")
                continue
            }
            types.append(type)
        }
        return types
    }
}

/// Durations as operators write them: `90s`, `30m`, `720h`, `30d`.
enum DurationText {
    /// Seconds, or nil when `text` is not a positive number with one of the units s, m, h, d.
    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let value = Double(text.dropLast()), value > 0, value.isFinite else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86_400
        default: return nil
        }
    }

    /// The shortest exact text for `seconds` (`30d`, `12h`, `90s`).
    static func text(seconds: Double) -> String {
        for (unit, size) in [("d", 86_400.0), ("h", 3600.0), ("m", 60.0)] where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        return "\(Int(seconds))s"
    }
}

import Foundation
import Yams

/// `-o yaml`: an admin API answer (JSON) as YAML, keys sorted as the daemon sends them.
public enum YAMLOutput {
    /// The YAML text of a JSON document; nil when `json` is not JSON.
    public static func render(json: [UInt8]) -> String? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(json)) else { return nil }
        return try? Yams.serialize(node: value.node)
    }
}

/// Any JSON value, to re-emit as YAML without Foundation's untyped objects.
private enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int64), number(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var node: Node {
        switch self {
        case .null: Node("null")
        case .bool(let b): Node(b ? "true" : "false")
        case .integer(let i): Node("\(i)")
        case .number(let d): Node("\(d)")
        case .string(let s): Node(s, .implicit, .doubleQuoted)
        case .array(let a): Node(a.map(\.node))
        case .object(let o): Node(o.keys.sorted().map { (Node($0), o[$0]?.node ?? Node("null")) })
        }
    }
}

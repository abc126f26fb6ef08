import Foundation
import Yams

/// `-o yaml`: the daemon's JSON answer re-emitted as YAML, keys sorted, strings quoted where
/// YAML would otherwise read them as numbers, booleans or null.
enum YAMLOutput {
    /// A JSON document as a value tree.
    enum Value: Decodable {
        case null, bool(Bool), integer(Int64), number(Double), string(String)
        case array([Value]), object([String: Value])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                self = .null
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? c.decode(Int64.self) {
                self = .integer(i)
            } else if let d = try? c.decode(Double.self) {
                self = .number(d)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else if let a = try? c.decode([Value].self) {
                self = .array(a)
            } else {
                self = .object(try c.decode([String: Value].self))
            }
        }

        var node: Node {
            switch self {
            case .null: Node("null", Tag(.null))
            case .bool(let b): Node(b ? "true" : "false", Tag(.bool))
            case .integer(let i): Node(String(i), Tag(.int))
            case .number(let d): Node(String(d), Tag(.float))
            case .string(let s): .scalar(s.represented())
            case .array(let a): Node(a.map(\.node), Tag(.seq))
            case .object(let o): Node(o.sorted { $0.key < $1.key }.map { (Node.scalar($0.key.represented()), $0.value.node) }, Tag(.map))
            }
        }
    }

    /// The YAML text of a JSON document.
    static func render(json: [UInt8]) throws -> String {
        let value = try JSONDecoder().decode(Value.self, from: Data(json))
        return try Yams.serialize(node: value.node)
    }
}

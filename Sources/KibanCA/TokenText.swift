import Crypto
package import Foundation

/// The text form of Kiban's one-time tokens (member join tokens, node tokens): a prefix that
/// names the kind, then base64url of JSON with sorted keys and dates in whole seconds since
/// 1970 (so that an expiry survives the round trip exactly).
package enum TokenText {
    /// Why a text is not a token of a kind.
    package enum Problem: Error {
        /// It does not start with the kind's prefix.
        case prefix
        /// What follows the prefix is not base64url.
        case base64
        /// The JSON is incomplete or malformed.
        case content

        /// For the operator, without echoing the token: `kind` (`join token`) and the command
        /// that prints one.
        package func message(kind: String, prefix: String, command: String) -> String {
            switch self {
            case .prefix: "this is not a Kiban \(kind) (it should start with \(prefix)); copy the whole line `\(command)` printed"
            case .base64: "the \(kind) is damaged (not base64url); copy it again"
            case .content: "the \(kind) is damaged (its content is incomplete); copy it again"
            }
        }
    }

    /// `prefix` and the base64url JSON of `value`.
    package static func encode(_ value: some Encodable, prefix: String) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        // Tokens hold strings, numbers, arrays and dates, whose encoding cannot fail.
        let json = (try? encoder.encode(value)) ?? Data()
        return prefix + Base64URL.encode(Array(json))
    }

    /// The token in `text` (surrounding white space ignored).
    package static func decode<T: Decodable>(_ type: T.Type, _ text: String, prefix: String) throws(Problem) -> T {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(prefix) else { throw .prefix }
        guard let bytes = Base64URL.decode(String(trimmed.dropFirst(prefix.count))) else { throw .base64 }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do { return try decoder.decode(type, from: Data(bytes)) } catch { throw .content }
    }

    /// A fresh secret: 32 random bytes, base64url.
    package static func secret() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Base64URL.encode(Array($0)) }
    }

    /// `now + ttl`, down to a whole second.
    package static func expiry(now: Date, ttl: TimeInterval) -> Date {
        Date(timeIntervalSince1970: (now.timeIntervalSince1970 + ttl).rounded(.down))
    }
}

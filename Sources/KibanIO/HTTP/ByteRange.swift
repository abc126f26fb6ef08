/// A single `Range: bytes=…` request (RFC 9110 §14.1.2); multiple ranges are not served.
public enum ByteRange: Sendable, Equatable {
    /// `bytes=first-last` (`last` nil for `bytes=first-`).
    case from(first: Int64, last: Int64?)
    /// `bytes=-length`: the final `length` bytes.
    case suffix(length: Int64)

    /// Parses a `Range` value; nil when it is not one well-formed byte range (the server then
    /// ignores it and sends the whole file, as RFC 9110 allows).
    public init?(_ value: String) {
        let trimmed = value.trimmingWhitespace()
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = trimmed.dropFirst(6).trimmingWhitespace()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit) else { return nil }
        if first.isEmpty {
            guard let length = Int64(last), length > 0 else { return nil }
            self = .suffix(length: length)
        } else {
            guard let start = Int64(first) else { return nil }
            if last.isEmpty {
                self = .from(first: start, last: nil)
            } else {
                guard let end = Int64(last), end >= start else { return nil }
                self = .from(first: start, last: end)
            }
        }
    }

    /// The byte offsets `start..<end` this range selects in a representation of `size` bytes,
    /// or nil when it is unsatisfiable (`416`).
    public func resolve(size: Int64) -> Range<Int64>? {
        switch self {
        case .from(let first, let last):
            guard first < size else { return nil }
            return first..<min(size, (last ?? (size - 1)) + 1)
        case .suffix(let length):
            guard size > 0 else { return nil }
            return max(0, size - length)..<size
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Entity tags (RFC 9110 §8.8.3) and `If-None-Match` (§13.1.2).
enum EntityTag {
    /// True when `If-None-Match: value` matches `etag` by weak comparison (or is `*`).
    static func noneMatch(_ value: String, etag: String) -> Bool {
        let opaque = strippingWeak(etag)
        return value.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingWhitespace()
            return tag == "*" || strippingWeak(tag) == opaque
        }
    }

    private static func strippingWeak(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }
}

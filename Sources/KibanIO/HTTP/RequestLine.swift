/// `method SP request-target SP HTTP-version` (RFC 9112 §3).
enum RequestLine {
    /// A head with method, target, path and version set, or nil when the line is malformed or
    /// the path cannot be served safely. `minorVersion` is -1 for a well-formed version other
    /// than 1.0 and 1.1.
    static func parse(_ line: UnsafeRawBufferPointer) -> HTTPRequestHead? {
        let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(HTTPBytes.isToken),
            !parts[1].isEmpty, parts[1].allSatisfy(HTTPBytes.isTargetByte),
            let minor = version(parts[2])
        else { return nil }
        let target = String(decoding: parts[1], as: UTF8.self)
        guard let (segments, query) = RequestTarget.decode(Array(parts[1])) else { return nil }
        return HTTPRequestHead(
            method: String(decoding: parts[0], as: UTF8.self), target: target,
            path: "/" + segments.joined(separator: "/"), pathSegments: segments,
            query: query, minorVersion: minor, headers: [])
    }

    /// 0 or 1 for `HTTP/1.0` and `HTTP/1.1`, -1 for another well-formed `HTTP/x.y`, nil otherwise.
    private static func version(_ bytes: Slice<UnsafeRawBufferPointer>) -> Int? {
        let text = Array(bytes)
        guard text.count == 8, text.starts(with: Array("HTTP/".utf8)), text[6] == UInt8(ascii: "."),
            let major = HTTPBytes.hexValue(text[5]), major < 10,
            let minor = HTTPBytes.hexValue(text[7]), minor < 10
        else { return nil }
        return major == 1 && minor <= 1 ? Int(minor) : -1
    }
}

/// Decodes a request target into path segments that cannot leave the served tree.
enum RequestTarget {
    /// The decoded segments and the raw query; nil when the target is not origin-form or
    /// absolute-form, has a bad percent escape, decodes to NUL, `/` or `\` inside a segment,
    /// is not UTF-8, or has a `..` segment (before or after decoding).
    static func decode(_ target: [UInt8]) -> (segments: [String], query: String)? {
        var path = target[...]
        if path.first != UInt8(ascii: "/") {
            // absolute-form (`http://host/path`), which proxies send; keep only the path.
            guard let scheme = path.firstRange(of: Array("://".utf8)) else { return nil }
            let afterHost = path[scheme.upperBound...]
            path = afterHost.firstIndex(of: UInt8(ascii: "/")).map { afterHost[$0...] } ?? [UInt8(ascii: "/")][...]
        }
        var query = ""
        if let mark = path.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            if path[mark] == UInt8(ascii: "?") {
                let rest = path[(mark + 1)...]
                query = String(decoding: rest.prefix { $0 != UInt8(ascii: "#") }, as: UTF8.self)
            }
            path = path[..<mark]
        }
        var segments: [String] = []
        for raw in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            guard let decoded = percentDecode(raw), let segment = String(validating: decoded, as: UTF8.self) else {
                return nil
            }
            if segment == "." { continue }
            if segment == ".." { return nil }
            segments.append(segment)
        }
        return (segments, query)
    }

    /// `%XX` decoding; nil for a malformed escape or a decoded NUL, `/` or `\`.
    static func percentDecode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            var byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = HTTPBytes.hexValue(bytes[index + 1]),
                    let low = HTTPBytes.hexValue(bytes[index + 2])
                else { return nil }
                byte = high << 4 | low
                index += 2
                if byte == 0 || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") { return nil }
            }
            out.append(byte)
            index += 1
        }
        return out
    }
}

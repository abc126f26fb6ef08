import Foundation

/// The routes docs/admin-api.md lists: the first cell of each table row, where routes are
/// written `` `METHOD /v1/path/PARAM[/OPTIONAL][?query]` ``, several to a cell at times.
enum DocumentedRoutes {
    /// A method and a template whose parameters are all written `{}`, so that `{name}` in the
    /// contract and `NAME` in the documentation compare equal.
    struct Key: Hashable, Comparable, CustomStringConvertible {
        var method: String
        var template: String

        init(method: String, template: String) {
            self.method = method
            self.template = template.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix("{") || (!segment.isEmpty && segment.allSatisfy { $0.isUppercase || $0 == "_" }) ? "{}" : String(segment)
            }.joined(separator: "/")
        }

        static func < (a: Key, b: Key) -> Bool { (a.template, a.method) < (b.template, b.method) }
        var description: String { "\(method) \(template)" }
    }

    static func parse(markdown: String) -> Set<Key> {
        var keys = Set<Key>()
        for line in markdown.split(separator: "\n") where line.hasPrefix("| `") {
            let firstCell = line.dropFirst().prefix { $0 != "|" }
            for code in firstCell.split(separator: "`").enumerated().filter({ $0.offset % 2 == 1 }).map(\.element) {
                let words = code.split(separator: " ", maxSplits: 1)
                guard words.count == 2, ["GET", "PUT", "POST", "DELETE"].contains(String(words[0])), words[1].hasPrefix("/v1/") else { continue }
                for path in expand(String(words[1])) { keys.insert(Key(method: String(words[0]), template: path)) }
            }
        }
        return keys
    }

    /// `/a[/B][?q]` → `/a` and `/a/B`; queries dropped.
    private static func expand(_ path: String) -> [String] {
        var path = path
        if let query = path.range(of: "[?") ?? path.range(of: "?") { path = String(path[..<query.lowerBound]) }
        guard let open = path.range(of: "[/"), let close = path.range(of: "]", range: open.upperBound..<path.endIndex) else { return [path] }
        let base = String(path[..<open.lowerBound])
        return [base, base + "/" + path[open.upperBound..<close.lowerBound]]
    }
}

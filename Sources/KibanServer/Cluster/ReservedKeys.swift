/// The cluster's own records live under `/kiban/` (members, tokens, the sealed CA, the deny
/// list, audit): **the generic kv, txn and watch API can neither read nor write them.** A
/// request naming such a key, or a prefix inside `/kiban/`, is refused; a wider prefix (`/`,
/// `/k`) reads and watches everything else, with these keys left out; a wider prefix delete is
/// refused, since it would delete them. Each record has its own command (`kiban members`,
/// `kiban token`, `kiban ca`).
enum ReservedKeys {
    static let prefix = Array("/kiban/".utf8)

    /// Whether `key` is one of the cluster's own records.
    static func isReserved(_ key: [UInt8]) -> Bool { key.starts(with: prefix) }

    /// Whether a prefix range reaches into the reserved keys.
    static func overlaps(prefix p: [UInt8]) -> Bool { prefix.starts(with: p) || p.starts(with: prefix) }

    static func refusal(_ key: [UInt8]) -> ServerError {
        ServerError(
            .forbidden,
            "\(String(decoding: key, as: UTF8.self)) is under /kiban/, the cluster's own records, which the kv API neither reads nor writes; use `kiban members`, `kiban token` or `kiban ca`"
        )
    }

    /// Checks a key or prefix that is read: the key itself, or a prefix inside `/kiban/`, is
    /// refused; a wider prefix passes (the caller filters what it returns).
    static func checkRead(_ key: [UInt8], prefix: Bool) throws(ServerError) {
        if prefix ? key.starts(with: Self.prefix) : isReserved(key) { throw refusal(key) }
    }

    /// Checks a key or prefix that is written or deleted: anything that reaches into
    /// `/kiban/` is refused.
    static func checkWrite(_ key: [UInt8], prefix: Bool) throws(ServerError) {
        if prefix ? overlaps(prefix: key) : isReserved(key) {
            throw prefix && !key.starts(with: Self.prefix)
                ? ServerError(
                    .forbidden,
                    "deleting the prefix \(String(decoding: key, as: UTF8.self)) would delete the cluster's own records under /kiban/; delete narrower prefixes"
                )
                : refusal(key)
        }
    }
}

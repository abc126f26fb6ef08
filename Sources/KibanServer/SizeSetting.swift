import KibanNetboot

/// Sizes in `kiban.yaml`: a number of bytes with an optional binary unit (`512MiB`, `50GiB`,
/// `2TiB`), or for a floor also a share of the disk (`10%`). Out-of-range values are refused
/// with the setting's name, never wrapped or trapped on.
enum SizeSetting {
    static let units: [(suffix: String, bytes: UInt64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("B", 1)]

    /// `text` in bytes.
    /// - Throws: ``ServerError`` `config` naming `key` and `path`.
    static func bytes(_ key: String, _ text: String, _ path: String) throws(ServerError) -> UInt64 {
        let trimmed = text.replacingOccurrences(of: " ", with: "")
        let unit = units.first { trimmed.hasSuffix($0.suffix) } ?? (suffix: "", bytes: 1)
        guard let n = UInt64(trimmed.dropLast(unit.suffix.count)) else {
            throw ServerError(.config, "\(path): \(key) must be a size such as 50GiB, 512MiB or a number of bytes, not \(text)")
        }
        let (value, overflow) = n.multipliedReportingOverflow(by: unit.bytes)
        guard !overflow else { throw ServerError(.config, "\(path): \(key) \(text) is more bytes than any disk holds") }
        return value
    }

    /// A free-space floor: `10%` (0–99) or a size.
    static func floor(_ key: String, _ text: String, _ path: String) throws(ServerError) -> BlobSpaceLimits.Floor {
        guard text.hasSuffix("%") else { return .bytes(try bytes(key, text, path)) }
        guard let p = UInt64(text.dropLast().trimmingPrefix(" ")), p < 100 else {
            throw ServerError(.config, "\(path): \(key) must be a share of the disk from 0% to 99%, or a size such as 20GiB, not \(text)")
        }
        return .percent(p)
    }
}

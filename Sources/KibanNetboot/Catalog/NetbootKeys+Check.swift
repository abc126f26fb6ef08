import Foundation

extension NetbootKeys {
    /// Why `value` may not be written at `key` by hand (`kiban kv put`, `kiban kv txn`), or nil.
    /// Image and asset records name blob files by their hash, so they must decode as the daemon
    /// reads them (``BlobReference/init(from:)`` checks every hash) before they are written; other
    /// keys are not checked here.
    ///
    /// ```swift
    /// NetbootKeys.problem(key: "netboot/assets/x", value: Array(#"{"name":"x","blob":{"sha256":"../../state.db","size":1},…}"#.utf8))
    /// // "netboot/assets/x must be an asset record: sha256 must be 64 lowercase hex digits"
    /// ```
    public static func problem(key: String, value: [UInt8]) -> String? {
        let decoder = JSONDecoder()
        do {
            if key.hasPrefix(imagesPrefix) {
                _ = try decoder.decode(ImageRecord.self, from: Data(value))
            } else if key.hasPrefix(assetsPrefix) {
                _ = try decoder.decode(AssetRecord.self, from: Data(value))
            }
            return nil
        } catch let DecodingError.dataCorrupted(context), let DecodingError.keyNotFound(_, context),
            let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context)
        {
            return "\(key) must be \(key.hasPrefix(imagesPrefix) ? "an image" : "an asset") record (docs/schema.md): \(context.debugDescription)"
        } catch {
            return "\(key) must be \(key.hasPrefix(imagesPrefix) ? "an image" : "an asset") record (docs/schema.md): \(error)"
        }
    }
}

import Crypto
public import Foundation

/// The cluster's key-encryption key (KEK): 32 random bytes that wrap every issuer's data key
/// (envelope encryption, ``SealedKey``).
///
/// **It never enters the replicated store, the Raft log, snapshots or backups.** Each member
/// keeps it in its data directory (`tls/kek`, mode 0600); `kiban init` creates it and a joining
/// member receives it in the join answer, over TLS to a member whose certificate chains to the
/// pinned cluster CA, after proving its token. Operators back it up separately from
/// `kiban snapshot save` files: a backup is useless without it.
public struct KeyEncryptionKey: Sendable, CustomStringConvertible {
    let key: SymmetricKey

    /// A new random key.
    public static func create() -> KeyEncryptionKey { KeyEncryptionKey(key: SymmetricKey(size: .bits256)) }

    /// The key from its 32 raw bytes.
    /// - Throws: ``CAError`` `invalidKey` when the length is wrong.
    public init(rawBytes: [UInt8]) throws(CAError) {
        guard rawBytes.count == 32 else {
            throw CAError(.invalidKey, "a key-encryption key is 32 bytes; this one has \(rawBytes.count)")
        }
        key = SymmetricKey(data: rawBytes)
    }

    init(key: SymmetricKey) { self.key = key }

    /// The raw bytes. **Secret**: for the key file and the join answer only.
    public var rawBytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    /// A public identifier: `kek-` and the first 16 hex digits of SHA-256 over the key. Stored
    /// beside each sealed key so that a member with the wrong key says so instead of failing
    /// to decrypt.
    public var id: String {
        "kek-" + SHA256.hash(data: rawBytes).prefix(8).map { String($0, radix: 16).leftPadded(2) }.joined()
    }

    public var description: String { "KeyEncryptionKey(\(id))" }

    /// The file in a member's data directory.
    public static func path(dataDir: String) -> String { dataDir + "/tls/kek" }

    /// Reads the key from `path` (the file holds the 32 bytes, base64, one line).
    /// - Throws: ``CAError`` `invalidKey` when the file is missing or damaged.
    public static func load(path: String) throws(CAError) -> KeyEncryptionKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CAError(.invalidKey, "the key-encryption key \(path) is missing or unreadable")
        }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CAError(.invalidKey, "the key-encryption key \(path) is damaged (not base64)")
        }
        return try KeyEncryptionKey(rawBytes: Array(bytes))
    }

    /// Writes the key to `path`, mode 0600, atomically (a temporary file renamed into place).
    /// - Throws: ``CAError`` `internal` when the file cannot be written.
    public func save(path: String) throws(CAError) {
        let temporary = path + ".tmp"
        let text = Data((Data(rawBytes).base64EncodedString() + "\n").utf8)
        _ = unlink(temporary)
        guard FileManager.default.createFile(atPath: temporary, contents: text, attributes: [.posixPermissions: 0o600]),
            rename(temporary, path) == 0
        else {
            throw CAError(.internal, "cannot write the key-encryption key \(path)")
        }
    }
}

/// A private key sealed for storage: the key's bytes encrypted with a fresh data key
/// (AES-256-GCM), and the data key encrypted with the cluster's ``KeyEncryptionKey``. Both
/// ciphertexts authenticate `purpose` (for example `issuer:root`), so a sealed key cannot be
/// moved to another record.
public struct SealedKey: Codable, Sendable, Hashable {
    /// ``KeyEncryptionKey/id`` of the key that wraps ``wrappedDataKey``.
    public var kek: String
    /// The data key, AES-GCM sealed (nonce ‖ ciphertext ‖ tag) under the KEK.
    public var wrappedDataKey: Data
    /// The private key's bytes, AES-GCM sealed under the data key.
    public var ciphertext: Data

    /// Seals `secret` for the record `purpose`.
    /// - Throws: ``CAError`` `internal` if encryption fails.
    public static func seal(_ secret: [UInt8], purpose: String, with kek: KeyEncryptionKey) throws(CAError) -> SealedKey {
        let dataKey = SymmetricKey(size: .bits256)
        let context = Array(purpose.utf8)
        do {
            let wrapped = try AES.GCM.seal(dataKey.withUnsafeBytes { Array($0) }, using: kek.key, authenticating: context)
            let sealed = try AES.GCM.seal(secret, using: dataKey, authenticating: context)
            guard let wrappedBytes = wrapped.combined, let sealedBytes = sealed.combined else {
                throw CAError(.internal, "AES-GCM produced no combined form")
            }
            return SealedKey(kek: kek.id, wrappedDataKey: wrappedBytes, ciphertext: sealedBytes)
        } catch let error as CAError {
            throw error
        } catch {
            throw CAError(.internal, "cannot seal a private key: \(error)")
        }
    }

    /// The secret, decrypted.
    /// - Throws: ``CAError`` `invalidKey` when `kek` is not the key this was sealed with, or
    ///   the ciphertext or its purpose were altered.
    public func open(purpose: String, with kek: KeyEncryptionKey) throws(CAError) -> [UInt8] {
        guard kek.id == self.kek else {
            throw CAError(
                .invalidKey,
                "this key is sealed by key-encryption key \(self.kek), but this member holds \(kek.id); copy the cluster's key into place (docs/pki.md)")
        }
        let context = Array(purpose.utf8)
        do {
            let dataKey = try AES.GCM.open(AES.GCM.SealedBox(combined: wrappedDataKey), using: kek.key, authenticating: context)
            return Array(
                try AES.GCM.open(
                    AES.GCM.SealedBox(combined: ciphertext), using: SymmetricKey(data: dataKey),
                    authenticating: context))
        } catch {
            throw CAError(.invalidKey, "the sealed key for \(purpose) does not open: it was altered or belongs to another record")
        }
    }
}

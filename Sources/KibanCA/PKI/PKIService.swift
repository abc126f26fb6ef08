public import Foundation
public import KibanStore
import X509

/// The PKI on the replicated store: issuers (the cluster root and named roots and
/// intermediates, with rotation), roles, issuance (`issue`: the CA generates the key; `sign`: a
/// CSR), the certificate inventory, revocation and CRLs (docs/pki.md).
///
/// **Private keys of issuers are sealed** under the cluster's ``KeyEncryptionKey`` before
/// they are written (purpose `issuer:<name>`), opened only for the one operation that signs,
/// and never returned. A key the CA generates for a certificate is returned once and never
/// stored. Every change is one store transaction that also writes its audit record, guarded by
/// compares on what it read; writes on a follower are forwarded to the leader by the store.
///
/// ```swift
/// let pki = PKIService(store: store, kek: kek, now: { Date() })
/// _ = try await pki.createIssuer("etcd", parent: "root", by: .operator(user: "alice"))
/// _ = try await pki.setRole("etcd-peer", document: Array(yaml.utf8), by: .operator(user: "alice"))
/// let issued = try await pki.issue(role: "etcd-peer", request: IssueRequest(commonName: "etcd-0.example.com"),
///                                  requester: .operator(user: "alice"))
/// ```
///
/// Methods throw ``CAError`` for what the operator must fix, and `StoreError` when the store
/// cannot answer (no leader, stopped).
public struct PKIService: Sendable {
    /// The store the PKI lives in.
    public let store: Store
    let kek: KeyEncryptionKey
    /// The clock: every validity, audit time and CRL date is taken from it.
    let now: @Sendable () -> Date
    /// How often a compare-on-revision write is retried after losing a race.
    public var attemptsMax = 16
    /// The member this service runs on, named in the audit entries it writes.
    public var auditMember = ""
    /// How long a CRL is valid (its nextUpdate after thisUpdate); relying parties refetch
    /// before then. Three days, as Vault's default.
    public var crlValiditySeconds: TimeInterval = 3 * 86_400
    /// The lifetime of a new root issuer when none is given: ten years.
    public var rootTTLSeconds: TimeInterval = 10 * 365 * 86_400
    /// The lifetime of a new intermediate when none is given: five years.
    public var intermediateTTLSeconds: TimeInterval = 5 * 365 * 86_400

    /// Creates the service over `store`, opening issuer keys with `kek` and reading time from `now`.
    public init(store: Store, kek: KeyEncryptionKey, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.kek = kek
        self.now = now
    }

    func encode(_ value: some Encodable) throws(CAError) -> [UInt8] {
        do { return Array(try PKICodec.encoder().encode(value)) } catch {
            throw CAError(.internal, "cannot encode \(type(of: value)): \(error)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String) throws(CAError) -> T {
        do { return try PKICodec.decoder().decode(type, from: Data(bytes)) } catch {
            throw CAError(.unsupported, "\(what) in the store is not readable by this kiban: \(error)")
        }
    }

    func lostRaces(_ what: String) -> CAError {
        CAError(.conflict, "\(what) lost \(attemptsMax) races to concurrent changes; retry")
    }

    static func checkName(_ name: String, _ what: String) throws(CAError) {
        guard PKIKeys.isValidName(name) else {
            throw CAError(.invalidInput, "\"\(name)\" cannot name \(what): use 1–64 of a-z, 0-9, -, _ and ., starting with a letter or digit")
        }
    }
}

/// JSON as the PKI stores and answers it: sorted keys, RFC 3339 times.
public enum PKICodec {
    /// The encoder.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    /// The decoder.
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

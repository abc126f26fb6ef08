import Foundation
public import KibanAdminAPI
import KibanCA
import KibanStore

extension Daemon {
    /// The longest a join token may live: seven days.
    static let tokenTTLMax: Double = 7 * 86_400

    /// `kiban token create NAME --ttl`: returns the encoded token, printed once; stores only
    /// the hash of its secret.
    public func createToken(name: String, ttlSeconds: Double, caller: Caller) async throws(ServerError) -> [String: String] {
        let store = try requireStore()
        guard let running, !name.isEmpty else { throw ServerError(.badRequest, "a token needs a member name") }
        guard ttlSeconds.isFinite, ttlSeconds >= 1, ttlSeconds <= Self.tokenTTLMax else {
            throw ServerError(
                .badRequest,
                "--ttl must be between 1 s and \(Int(Self.tokenTTLMax / 86_400)) days (1h is the default); a join token is meant to be used at once")
        }
        let members = try await storeCall { () throws(StoreError) in try await memberRecords(store, consistency: .linearizable) }
        guard !members.contains(where: { $0.name == name }) else {
            throw ServerError(.conflict, "a member named \(name) already exists; pick another name or remove it first")
        }
        guard let ca = MemberCertificate.der(pem: running.credentials.tls.caPEM) else {
            throw ServerError(.internal, "the CA certificate in the data directory is unreadable")
        }
        let fingerprint = CertificateAuthority.fingerprint(ofDER: ca)
        let token = JoinToken.create(
            clusterID: running.local.clusterID, name: name, addresses: members.map(\.endpoint),
            caFingerprint: fingerprint, ttl: ttlSeconds, now: Date())
        let record = TokenRecord(
            id: token.id, name: name, secretHash: token.secretHash,
            expiresAt: token.expiresAt.timeIntervalSince1970, createdByUID: caller.uid)
        let value: [UInt8]
        do { value = Array(try JSONEncoder().encode(record)) } catch { throw ServerError(.internal, "\(error)") }
        let audit = try auditPut(caller, "token.create", token.id, detail: "for member \(name), expires \(token.expiresAt.formatted(.iso8601))")
        try await storeCall { () throws(StoreError) in
            _ = try await store.txn(Txn(success: [.put(key: ClusterKey.token(token.id), value: value, lease: 0), audit]))
        }
        return ["token": token.encoded, "id": token.id, "name": name, "expires": "\(Int(record.expiresAt))"]
    }

    /// Unused tokens.
    public func listTokens() async throws(ServerError) -> [TokenInfo] {
        let store = try requireStore()
        let page = try await storeCall { () throws(StoreError) in try await store.range(.prefix(ClusterKey.tokensPrefix)) }
        return page.kvs.compactMap { try? JSONDecoder().decode(TokenRecord.self, from: Data($0.value)) }
            .map { TokenInfo(id: $0.id, name: $0.name, expiresAt: $0.expiresAt) }
    }

    /// Deletes an unused token.
    public func revokeToken(id: String, caller: Caller) async throws(ServerError) {
        let store = try requireStore()
        let deleted = try await deleteAudited(ClusterKey.token(id), try auditPut(caller, "token.revoke", id), store: store)
        guard !deleted.isEmpty else { throw ServerError(.notFound, "no unused token \(id); see `kiban token list`") }
    }
}

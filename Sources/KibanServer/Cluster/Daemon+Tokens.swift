import Foundation
import KibanCA
import KibanStore
import NIOSSL

/// A token as listed: never the secret or its hash.
public struct TokenInfo: Codable, Sendable {
    /// Public identifier (for `kiban token revoke`).
    public var id: String
    /// The member name it admits.
    public var name: String
    /// Expiry, seconds since 1970.
    public var expiresAt: Double
}

extension Daemon {
    /// `kiban token create NAME --ttl`: returns the encoded token, printed once; stores only
    /// the hash of its secret.
    public func createToken(name: String, ttlSeconds: Double, caller: Caller) async throws(ServerError) -> [String: String] {
        let store = try requireStore()
        guard let running, ttlSeconds > 0, !name.isEmpty else {
            throw ServerError(.badRequest, "a token needs a member name and a positive --ttl")
        }
        let members = try await storeCall { () throws(StoreError) in try await memberRecords(store, consistency: .linearizable) }
        guard !members.contains(where: { $0.name == name }) else {
            throw ServerError(.conflict, "a member named \(name) already exists; pick another name or remove it first")
        }
        let fingerprint: String
        do {
            fingerprint = CertificateAuthority.fingerprint(
                ofDER: try NIOSSLCertificate(bytes: Array(running.tls.caPEM.utf8), format: .pem).toDERBytes())
        } catch {
            throw ServerError(.internal, "the CA certificate in the data directory is unreadable: \(error)")
        }
        let token = JoinToken.create(clusterID: running.local.clusterID, name: name, addresses: members.map(\.endpoint),
                                     caFingerprint: fingerprint, ttl: ttlSeconds, now: Date())
        let record = TokenRecord(id: token.id, name: name, secretHash: token.secretHash,
                                 expiresAt: token.expiresAt.timeIntervalSince1970, createdByUID: caller.uid)
        try await storeCall { () throws(StoreError) in try await store.putRecord(record, at: ClusterKey.token(token.id)) }
        await audit(caller, "token create \(token.id) for \(name)")
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
        let deleted = try await storeCall { () throws(StoreError) in try await store.delete(.key(ClusterKey.token(id))) }
        guard !deleted.isEmpty else { throw ServerError(.notFound, "no unused token \(id); see `kiban token list`") }
        await audit(caller, "token revoke \(id)")
    }

    /// Records who changed what. Best effort: a change that happened is not undone because its
    /// audit record could not be written; the failure is logged instead.
    func audit(_ caller: Caller, _ action: String) async {
        logger.notice("audit", metadata: ["kiban.server.uid": "\(caller.uid)", "kiban.server.gid": "\(caller.gid)",
                                          "kiban.server.action": "\(action)"])
        guard let store = running?.store else { return }
        let now = Date().timeIntervalSince1970
        let nanos = String(UInt64(now * 1e9))
        let key = ClusterKey.auditPrefix + Array("\(String(repeating: "0", count: max(0, 20 - nanos.count)))\(nanos)-\(Self.randomHex(bytes: 4))".utf8)
        let record = AuditRecord(time: now, uid: caller.uid, gid: caller.gid, pid: caller.pid, action: action)
        do { try await store.putRecord(record, at: key) } catch {
            logger.warning("could not write an audit record", metadata: ["kiban.server.error": "\(error)"])
        }
    }
}

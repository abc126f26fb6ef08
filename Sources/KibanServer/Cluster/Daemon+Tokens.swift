import Foundation
import KibanCA
import KibanStore

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
    /// The longest a join token may live: seven days.
    static let tokenTTLMax: Double = 7 * 86_400

    /// `kiban token create NAME --ttl`: returns the encoded token, printed once; stores only
    /// the hash of its secret.
    public func createToken(name: String, ttlSeconds: Double, caller: Caller) async throws(ServerError) -> [String: String] {
        let store = try requireStore()
        guard let running, !name.isEmpty else { throw ServerError(.badRequest, "a token needs a member name") }
        guard ttlSeconds.isFinite, ttlSeconds >= 1, ttlSeconds <= Self.tokenTTLMax else {
            throw ServerError(.badRequest, "--ttl must be between 1 s and \(Int(Self.tokenTTLMax / 86_400)) days (1h is the default); a join token is meant to be used at once")
        }
        let members = try await storeCall { () throws(StoreError) in try await memberRecords(store, consistency: .linearizable) }
        guard !members.contains(where: { $0.name == name }) else {
            throw ServerError(.conflict, "a member named \(name) already exists; pick another name or remove it first")
        }
        guard let ca = MemberCertificate.der(pem: running.credentials.tls.caPEM) else {
            throw ServerError(.internal, "the CA certificate in the data directory is unreadable")
        }
        let fingerprint = CertificateAuthority.fingerprint(ofDER: ca)
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
        AdminMetrics(factory: metrics.factory).audited()
        let now = Date().timeIntervalSince1970
        let nanos = String(UInt64(now * 1e9))
        let key = ClusterKey.auditPrefix + Array("\(String(repeating: "0", count: max(0, 20 - nanos.count)))\(nanos)-\(Self.randomHex(bytes: 4))".utf8)
        let record = AuditRecord(time: now, uid: caller.uid, gid: caller.gid, pid: caller.pid, action: action)
        do { try await store.putRecord(record, at: key) } catch {
            logger.warning("could not write an audit record", metadata: ["kiban.server.error": "\(error)"])
        }
    }
}

/// One record of the cluster's own audit log (`kiban audit`): membership, tokens, renewals,
/// kv changes. `pid` 0 marks what the cluster did by itself (``Caller/cluster``).
public struct ClusterAuditInfo: Codable, Sendable {
    /// Seconds since 1970.
    public var time: Double
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    public var action: String
}

extension Daemon {
    /// `kiban audit`: the cluster's audit records, oldest first (linearizable).
    public func clusterAudit() async throws(ServerError) -> [ClusterAuditInfo] {
        try await clusterAudit(consistency: .linearizable)
    }

    /// The records as `consistency` reads them (the status page reads this member's copy).
    func clusterAudit(consistency: ReadConsistency) async throws(ServerError) -> [ClusterAuditInfo] {
        let store = try requireStore()
        let page = try await storeCall { () throws(StoreError) in try await store.range(.prefix(ClusterKey.auditPrefix), consistency: consistency) }
        return page.kvs.compactMap { try? JSONDecoder().decode(AuditRecord.self, from: Data($0.value)) }
            .map { ClusterAuditInfo(time: $0.time, uid: $0.uid, gid: $0.gid, pid: $0.pid, action: $0.action) }
    }
}

public import Foundation
import KibanCA
public import KibanInventory
public import KibanStore

/// `/kiban/nodes/tokens/<id>`: an unused node token. Only the hash of its secret is kept.
public struct NodeTokenRecord: Sendable, Hashable, Codable {
    /// The public identifier (``NodeToken/id``).
    public var id: String
    /// The machines it admits.
    public var scope: NodeTokenScope
    /// Hex SHA-256 of the secret.
    public var secretHash: String
    /// When it stops being accepted.
    public var expiresAt: Date
    /// Whether it re-enrolls a machine that still holds a valid node certificate (the old one
    /// is revoked as superseded).
    public var force: Bool
    /// Who created it (the audit log's actor).
    public var createdBy: String
}

/// Node tokens on the store (`kiban nodes token create|list|revoke`): created with an audit
/// record, listed without their hashes, spent at most once even when agents race with one.
public struct NodeTokens: Sendable {
    /// The store the tokens live in.
    public let store: Store
    /// The inventory a serial token's machine must be in.
    public let inventory: InventoryService
    /// The member this service runs on, named in its audit entries.
    public var auditMember = ""
    /// The longest a node token may live: seven days, like member tokens.
    public static let ttlMax: TimeInterval = 7 * 86_400

    /// Creates the service over `store`.
    public init(store: Store, inventory: InventoryService? = nil) {
        self.store = store
        self.inventory = inventory ?? InventoryService(store: store)
    }

    /// What a new token carries besides its scope: where to enroll and which CA to expect.
    public struct Cluster: Sendable, Hashable {
        /// The cluster's ID.
        public var clusterID: String
        /// The members' node API endpoints.
        public var addresses: [String]
        /// The cluster CA's fingerprint.
        public var caFingerprint: String

        /// Creates the description.
        public init(clusterID: String, addresses: [String], caFingerprint: String) {
            self.clusterID = clusterID
            self.addresses = addresses
            self.caFingerprint = caFingerprint
        }
    }

    /// Creates a token for `scope`, valid `ttl` seconds; stores only its hash, with the audit
    /// record, in one transaction. The token is in the answer only.
    /// - Throws: ``NodeError`` `invalidInput` (scope, TTL, no address), `notFound` (a serial the
    ///   inventory does not hold).
    public func create(
        _ scope: NodeTokenScope, force: Bool = false, ttl: TimeInterval, cluster: Cluster,
        user: String, now: Date
    ) async throws -> NodeToken {
        if let problem = scope.problem { throw NodeError(.invalidInput, problem) }
        guard ttl.isFinite, ttl >= 1, ttl <= Self.ttlMax else {
            throw NodeError(
                .invalidInput, "--ttl must be between 1 s and \(Int(Self.ttlMax / 86_400)) days (1h is the default); a node token is meant to be used at once")
        }
        guard !cluster.addresses.isEmpty else {
            throw NodeError(.invalidInput, "no member publishes a node API endpoint yet; start the members (node-port in kiban.yaml) and retry")
        }
        if let serial = scope.serial, try await inventory.machine(serial) == nil {
            throw NodeError(.notFound, "machine \(serial) is not in the inventory: register it first (kiban machines import)")
        }
        let token = NodeToken(
            clusterID: cluster.clusterID, scope: scope, addresses: cluster.addresses,
            caFingerprint: cluster.caFingerprint, ttl: ttl, now: now)
        let record = NodeTokenRecord(
            id: token.id, scope: scope, secretHash: token.secretHash, expiresAt: token.expiresAt,
            force: force, createdBy: user)
        let detail = "for \(scope.description)\(force ? ", re-enrolls" : ""), expires \(token.expiresAt.formatted(.iso8601))"
        let key = NodeKeys.token(token.id)
        let result = try await store.txn(
            Txn(
                compares: [Compare(key, .equal, .version(0))],
                success: [
                    .put(key: key, value: try Store.encode(record), lease: 0),
                    try audit(user, "nodes.token.create", token.id, detail: detail, now: now),
                ]))
        guard result.succeeded else { throw NodeError(.refused, "a token with this identifier exists (a random secret collided); retry") }
        return token
    }

    /// The unused tokens (expired ones too, until revoked), by identifier.
    public func list() async throws -> [NodeTokenRecord] {
        try await store.range(.prefix(Array(NodeKeys.tokensPrefix.utf8))).kvs.map { kv throws(StoreError) in
            try Store.decode(NodeTokenRecord.self, kv)
        }
    }

    /// Deletes an unused token, with its audit record.
    /// - Throws: ``NodeError`` `notFound`.
    public func revoke(id: String, user: String, now: Date) async throws {
        let key = NodeKeys.token(id)
        let result = try await store.txn(
            Txn(
                compares: [Compare(key, .greater, .version(0))],
                success: [.delete(.key(key)), try audit(user, "nodes.token.revoke", id, now: now)]))
        guard result.succeeded else { throw NodeError(.notFound, "no unused node token \(id); see kiban nodes token list") }
    }

    /// The unspent token whose secret is `secret`, checked against its hash and expiry.
    /// - Throws: ``NodeError`` `forbidden` (unknown, revoked, used or expired).
    public func check(secret: String, now: Date) async throws -> Record<NodeTokenRecord> {
        let refused = NodeError(
            .forbidden, "the node token is not valid for this cluster (unknown, revoked or already used); create a new one with `\(NodeToken.createCommand)`")
        guard let found = try await store.record(NodeTokenRecord.self, at: NodeKeys.token(NodeToken.id(secret: secret))) else { throw refused }
        do {
            try JoinToken.verify(
                secret: secret, storedHash: found.value.secretHash, expiresAt: found.value.expiresAt, now: now,
                create: NodeToken.createCommand)
        } catch {
            throw NodeError(.forbidden, error.message)
        }
        return found
    }

    /// Spends a checked token: deletes it if nobody spent it since ``check(secret:now:)``.
    /// - Throws: ``NodeError`` `forbidden` when another enrollment spent it first.
    public func spend(_ token: Record<NodeTokenRecord>) async throws {
        let key = NodeKeys.token(token.value.id)
        let spent = try await store.txn(
            Txn(
                compares: [Compare(key, .equal, .modRevision(token.modRevision))],
                success: [.delete(.key(key))]))
        guard spent.succeeded else {
            throw NodeError(.forbidden, "the node token was used by another enrollment at the same time; create a new one with `\(NodeToken.createCommand)`")
        }
    }

    func audit(_ user: String, _ action: String, _ subject: String, detail: String = "", now: Date) throws -> KibanStore.Operation {
        try AuditLog.put(AuditEntry(time: now, actor: user, member: auditMember, action: action, subject: subject, detail: detail))
    }
}

public import Foundation
import KibanInventory
public import KibanStore

/// Enrollment without an operator (`POST /v1/boot-token` on the node API, `kiban agent join
/// --boot`): a netbooted machine asks, over TLS pinned to the cluster CA, for a one-time node
/// token bound to its serial. It is minted only when the request comes **from one of that
/// machine's own addresses** (its IPAM addresses, which its rendered configuration gives it),
/// while the machine may enroll at all (``EnrollmentPolicy``), at most once per
/// ``mintIntervalMinimum`` per serial. The token lives ``ttl`` (10 minutes), is stored hashed
/// and spent once like any node token, and **a newer boot's token supersedes** an unspent
/// earlier one, so only the newest boot's token works. Every refusal is audited
/// (`nodes.boot-token`, outcome `refused`); the secret is in the answer only.
///
/// The threat model is in docs/nodes.md ("Enrollment without an operator").
public struct BootEnrollment: Sendable {
    /// The node tokens (store, inventory, audit member).
    public let tokens: NodeTokens
    /// How long a boot token lives.
    public static let ttl: TimeInterval = 600
    /// The least time between two tokens for one serial (a boot asks once; a loop is refused).
    public static let mintIntervalMinimum: TimeInterval = 10

    /// Creates the service over `tokens`.
    public init(tokens: NodeTokens) { self.tokens = tokens }

    /// `/kiban/nodes/boot/<serial>`: the last boot token minted for a machine.
    public struct Minted: Sendable, Hashable, Codable {
        /// The token's identifier (its record is `/kiban/nodes/tokens/<id>` until spent).
        public var tokenID: String
        /// When it was minted.
        public var mintedAt: Date
        /// The address it was minted for.
        public var address: String
    }

    /// Mints a boot token for `serial`, asked for from `address`; supersedes the previous one.
    /// - Throws: ``NodeError`` `invalidInput` (serial), `forbidden` (not the machine's address,
    ///   or an unknown serial; too soon after the last token), `refused` (``EnrollmentPolicy``:
    ///   retired, already enrolled). Every refusal but a malformed serial is audited.
    public func mint(serial: String, from address: String, cluster: NodeTokens.Cluster, now: Date) async throws -> NodeToken {
        guard NodeFacts.isName(serial) else { throw NodeError(.invalidInput, "a serial is 1 to 64 letters, digits, '.', '_' or '-'") }
        // The address first: a stranger learns nothing about the machine (not even whether it exists).
        let machine = try await tokens.inventory.machine(serial)
        guard let machine, machine.ipv4.map(\.description).contains(address) else {
            throw try await refuse(
                serial, address, "a boot token for \(serial) is handed out only to the machine's own address, not to \(address)", .forbidden,
                now: now)
        }
        let enrolled = try await store.record(EnrollmentPolicy.Issued.self, at: NodeKeys.enrolled(serial))
        if let reason = EnrollmentPolicy.refusal(serial: serial, machine: machine, issued: enrolled?.value, now: now) {
            throw try await refuse(serial, address, reason, .refused, now: now)
        }
        let previous = try await store.record(Minted.self, at: NodeKeys.boot(serial))
        if let last = previous?.value, now.timeIntervalSince(last.mintedAt) < Self.mintIntervalMinimum, now >= last.mintedAt {
            throw try await refuse(
                serial, address,
                "a boot token for \(serial) was minted \(Int(now.timeIntervalSince(last.mintedAt))) s ago; retry in \(Int(Self.mintIntervalMinimum)) s",
                .forbidden, now: now)
        }
        return try await write(serial: serial, address: address, previous: previous, cluster: cluster, now: now)
    }

    /// The store the records live in.
    public var store: Store { tokens.store }

    /// Stores the new token's hash and the machine's boot record, deletes the superseded token
    /// and writes the audit record, in one transaction (two boots racing: one wins).
    private func write(
        serial: String, address: String, previous: Record<Minted>?, cluster: NodeTokens.Cluster, now: Date
    ) async throws -> NodeToken {
        let token = NodeToken(
            clusterID: cluster.clusterID, scope: NodeTokenScope(serial: serial), addresses: cluster.addresses,
            caFingerprint: cluster.caFingerprint, ttl: Self.ttl, now: now)
        let record = NodeTokenRecord(
            id: token.id, scope: token.scope, secretHash: token.secretHash, expiresAt: token.expiresAt, force: false,
            createdBy: "boot:\(address)")
        let bootKey = NodeKeys.boot(serial)
        let compare = previous.map { Compare(bootKey, .equal, .modRevision($0.modRevision)) } ?? Compare(bootKey, .equal, .version(0))
        var operations: [KibanStore.Operation] = [
            .put(key: NodeKeys.token(token.id), value: try Store.encode(record), lease: 0),
            .put(key: bootKey, value: try Store.encode(Minted(tokenID: token.id, mintedAt: now, address: address)), lease: 0),
            try tokens.audit(
                "boot:\(address)", "nodes.boot-token", serial,
                detail: "token \(token.id), expires \(token.expiresAt.formatted(.iso8601))"
                    + (previous.map { ", supersedes \($0.value.tokenID)" } ?? ""),
                now: now),
        ]
        if let old = previous?.value.tokenID { operations.append(.delete(.key(NodeKeys.token(old)))) }
        guard try await store.txn(Txn(compares: [compare], success: operations)).succeeded else {
            throw NodeError(.forbidden, "another boot of \(serial) asked for a token at the same time; retry")
        }
        return token
    }

    /// Audits a refused request and returns the error to throw.
    private func refuse(_ serial: String, _ address: String, _ reason: String, _ code: NodeError.Code, now: Date) async throws -> NodeError {
        let entry = AuditEntry(
            time: now, actor: "boot:\(address)", member: tokens.auditMember, action: "nodes.boot-token", subject: serial,
            detail: reason, outcome: "refused")
        _ = try await store.txn(Txn(success: [try AuditLog.put(entry)]))
        return NodeError(code, reason)
    }
}

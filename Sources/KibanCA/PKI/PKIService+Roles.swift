import Foundation
import KibanStore

/// Roles: set, get, list, delete.
extension PKIService {
    /// Sets role `name` from a YAML or JSON document (``Role/parse(document:)``); its issuer
    /// must exist.
    /// - Throws: ``CAError`` `invalidInput` listing every problem.
    @discardableResult
    public func setRole(_ name: String, document: [UInt8], by actor: Requester) async throws -> Role {
        try Self.checkName(name, "a role")
        let role = try Role.parse(document: document)
        if role.issuer != PKIKeys.rootIssuer, try await issuerRecord(role.issuer) == nil {
            throw CAError(
                .invalidInput, "the role is not valid; nothing was changed",
                problems: ["issuer: no issuer is named \(role.issuer) (kiban ca issuers list)"])
        }
        let now = self.now()
        _ = try await store.txn(
            Txn(
                compares: [],
                success: [
                    .put(key: PKIKeys.role(name), value: try encode(role), lease: 0),
                    try auditPut("role-set", name, detail: "issuer \(role.issuer), names [\(role.allowedNames.joined(separator: ", "))]", by: actor, at: now),
                ]))
        return role
    }

    /// Role `name`.
    /// - Throws: ``CAError`` `notFound`.
    public func role(_ name: String) async throws -> Role {
        guard let kv = try await store.get(PKIKeys.role(name)) else {
            throw CAError(.notFound, "no role is named \(name); list them with kiban ca roles list")
        }
        return try decode(Role.self, kv.value, what: "role \(name)")
    }

    /// Every role by name.
    public func roles() async throws -> [String: Role] {
        let read = try await store.range(.prefix(PKIKeys.key(PKIKeys.roles)))
        var roles: [String: Role] = [:]
        for kv in read.kvs {
            let name = String(decoding: kv.key.dropFirst(PKIKeys.roles.utf8.count), as: UTF8.self)
            roles[name] = try decode(Role.self, kv.value, what: "role \(name)")
        }
        return roles
    }

    /// Deletes role `name`. Certificates issued under it stay valid and listed.
    /// - Throws: ``CAError`` `notFound`.
    public func deleteRole(_ name: String, by actor: Requester) async throws {
        let result = try await store.txn(
            Txn(
                compares: [Compare(PKIKeys.role(name), .greater, .version(0))],
                success: [.delete(.key(PKIKeys.role(name))), try auditPut("role-delete", name, detail: "", by: actor, at: now())]))
        guard result.succeeded else { throw CAError(.notFound, "no role is named \(name); list them with kiban ca roles list") }
    }
}

public import Foundation
import KibanStore

/// Who makes a netboot change, from which member and when: what its audit entry records. The
/// caller supplies it (the daemon from the admin request); nothing in the services reads a clock.
public struct ChangeAuthor: Sendable, Hashable {
    /// The user as the audit log names them (`uid=1000(alice) gid=1000(alice)`, or `cluster`).
    public var actor: String
    /// The member the change was asked on.
    public var member: String
    /// When the change is made: the time of its records and of its audit entry.
    public var time: Date

    public init(actor: String, member: String, time: Date) {
        self.actor = actor
        self.member = member
        self.time = time
    }

    /// The put that records `action` on `subject` in the change's own transaction.
    func auditPut(_ action: String, _ subject: String, detail: String = "") throws(NetbootError) -> KibanStore.Operation {
        let entry = AuditEntry(time: time, actor: actor, member: member, action: action, subject: subject, detail: detail)
        do { return try AuditLog.put(entry) } catch {
            throw NetbootError(.unreadable, "cannot encode an audit entry: \(error)")
        }
    }
}

/// JSON for the netboot records: sorted keys, so a record's bytes do not depend on the run.
enum NetbootCodec {
    static func encode(_ value: some Encodable) throws(NetbootError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do { return Array(try encoder.encode(value)) } catch {
            throw NetbootError(.unreadable, "cannot encode \(type(of: value)): \(error)")
        }
    }

    /// Puts of `records`, each encoded.
    static func puts<Value: Encodable>(_ records: [([UInt8], Value)]) throws(NetbootError) -> [KibanStore.Operation] {
        var operations: [KibanStore.Operation] = []
        for (key, value) in records { operations.append(.put(key: key, value: try encode(value), lease: 0)) }
        return operations
    }

    /// The records under `prefix` that decode as `Value` (others are skipped: a newer version's
    /// fields are ignored, a damaged record is not worth failing a listing).
    static func decodeAll<Value: Decodable>(_ type: Value.Type, _ kvs: [KeyValue]) -> [Value] {
        let decoder = JSONDecoder()
        return kvs.compactMap { try? decoder.decode(type, from: Data($0.value)) }
    }

    /// Refuses a role, version or image id that cannot end a store key.
    static func checkName(_ name: String, _ what: String) throws(NetbootError) {
        guard NetbootKeys.isValidName(name) else {
            throw NetbootError(.invalidInput, "a \(what) is 1 to 63 letters, digits, '.', '_' or '-' (got \"\(name.prefix(80))\")")
        }
    }
}

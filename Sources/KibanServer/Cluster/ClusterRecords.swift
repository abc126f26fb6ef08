import Foundation
import KibanCA
import KibanStore

/// The cluster's records in the replicated store, under `/kiban/` (see docs/operator-guide.md).
enum ClusterKey {
    static let cluster = Array("/kiban/cluster".utf8)
    static let ca = Array("/kiban/ca".utf8)
    static let membersPrefix = Array("/kiban/members/".utf8)
    static let tokensPrefix = Array("/kiban/tokens/".utf8)
    /// The cluster's audit records before the one audit log; moved into it at start.
    static let legacyAuditPrefix = Array("/kiban/audit/".utf8)
    static let memberNamesPrefix = Array("/kiban/member-names/".utf8)
    static let deniedPrefix = Array("/kiban/denied-certificates/".utf8)
    static let settings = Array("/kiban/settings".utf8)

    static func member(_ id: UInt64) -> [UInt8] { membersPrefix + Array(String(id, radix: 16).utf8) }
    static func token(_ id: String) -> [UInt8] { tokensPrefix + Array(id.utf8) }
    static func memberName(_ name: String) -> [UInt8] { memberNamesPrefix + Array(name.utf8) }
    static func denied(_ serial: String) -> [UInt8] { deniedPrefix + Array(serial.utf8) }
}

/// `/kiban/cluster`: which cluster this is.
struct ClusterRecord: Codable, Sendable {
    var clusterID: String
}

/// `/kiban/ca`: the root CA. Its key is sealed under the cluster's key-encryption key, which
/// is never in the store (``KeyEncryptionKey``). Unreadable through the kv API (``ReservedKeys``).
struct CARecord: Codable, Sendable {
    var certificatePEM: String
    var sealedKey: SealedKey?
    /// Written by builds before keys were sealed; a leader that finds it seals it and drops it.
    var privateKeyPEM: String?
}

/// `/kiban/denied-certificates/<serial hex>`: a removed member's certificate, refused by every
/// member until it expires (then the leader deletes the record).
struct DeniedCertificate: Codable, Sendable {
    var serial: String
    var member: String
    var notAfter: Double
}

/// `/kiban/settings`: cluster-wide membership settings.
struct ClusterSettings: Codable, Sendable {
    /// Whether the leader promotes caught-up learners to voters by itself (default true);
    /// off, `kiban members promote NAME` does it.
    var autoPromote: Bool?
}

/// `/kiban/members/<id hex>`: a member's name and peer endpoint.
public struct MemberRecord: Codable, Sendable, Hashable {
    /// Raft member id.
    public var id: UInt64
    /// Name (the certificate's common name).
    public var name: String
    /// `address:port` of its peer endpoint.
    public var endpoint: String
    /// The serial (hex) of the certificate last issued to it; denied when it is removed.
    public var certificateSerial: String?
    /// When that certificate expires, seconds since 1970.
    public var certificateNotAfter: Double?
}

/// `/kiban/tokens/<id>`: an unused join token; only the secret's hash is kept.
struct TokenRecord: Codable, Sendable {
    var id: String
    var name: String
    var secretHash: String
    var expiresAt: Double
    var createdByUID: UInt32
}

/// `/kiban/audit/<unix ns>-<random>`: the cluster's audit record before the one audit log
/// (``AuditEntry``); read only to move it there.
struct LegacyAuditRecord: Codable, Sendable {
    var time: Double
    var uid: UInt32
    var gid: UInt32
    var pid: Int32
    var action: String
}

/// This member's identity on disk (`<data-dir>/member.json`), written by init and join.
struct LocalMember: Codable, Sendable {
    var clusterID: String
    var id: UInt64
    var name: String
}

extension Daemon {
    /// Puts of the cluster records, JSON with sorted keys.
    func encodeOperations<Value: Encodable>(_ records: [([UInt8], Value)]) throws(ServerError) -> [KibanStore.Operation] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var operations: [KibanStore.Operation] = []
        for (key, value) in records {
            do { operations.append(.put(key: key, value: Array(try encoder.encode(value)), lease: 0)) } catch {
                throw ServerError(.internal, "cannot encode \(String(decoding: key, as: UTF8.self)): \(error)")
            }
        }
        return operations
    }
}

/// The cluster's records in the replicated store, under `/kiban/` (see docs/operator-guide.md).
enum ClusterKey {
    static let cluster = Array("/kiban/cluster".utf8)
    static let ca = Array("/kiban/ca".utf8)
    static let membersPrefix = Array("/kiban/members/".utf8)
    static let tokensPrefix = Array("/kiban/tokens/".utf8)
    static let auditPrefix = Array("/kiban/audit/".utf8)

    static func member(_ id: UInt64) -> [UInt8] { membersPrefix + Array(String(id, radix: 16).utf8) }
    static func token(_ id: String) -> [UInt8] { tokensPrefix + Array(id.utf8) }
}

/// `/kiban/cluster`: which cluster this is.
struct ClusterRecord: Codable, Sendable {
    var clusterID: String
}

/// `/kiban/ca`: the root CA. **Holds the CA key**: never returned by the admin API.
struct CARecord: Codable, Sendable {
    var certificatePEM: String
    var privateKeyPEM: String
}

/// `/kiban/members/<id hex>`: a member's name and peer endpoint.
public struct MemberRecord: Codable, Sendable, Hashable {
    /// Raft member id.
    public var id: UInt64
    /// Name (the certificate's common name).
    public var name: String
    /// `address:port` of its peer endpoint.
    public var endpoint: String
}

/// `/kiban/tokens/<id>`: an unused join token; only the secret's hash is kept.
struct TokenRecord: Codable, Sendable {
    var id: String
    var name: String
    var secretHash: String
    var expiresAt: Double
    var createdByUID: UInt32
}

/// `/kiban/audit/<revision-free unique key>`: who changed what through the admin API.
struct AuditRecord: Codable, Sendable {
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

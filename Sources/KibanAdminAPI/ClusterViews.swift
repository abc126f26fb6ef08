/// One member as `GET /v1/members` and `GET /v1/status` show it.
public struct MemberInfo: Codable, Sendable {
    /// Name.
    public var name: String
    /// Raft id (hex).
    public var id: String
    /// Peer endpoint.
    public var endpoint: String
    /// `voter` or `learner`.
    public var role: String
    /// Whether it leads.
    public var leader: Bool
    /// Its match index as the leader sees it (only when asked on the leader).
    public var matchIndex: UInt64?
    /// Whole days until the certificate last issued to it expires (it renews at two thirds
    /// of its lifetime); nil for a member whose record predates this field.
    public var certificateDaysLeft: Int?

    public init(
        name: String, id: String, endpoint: String, role: String, leader: Bool, matchIndex: UInt64? = nil, certificateDaysLeft: Int? = nil
    ) {
        self.name = name
        self.id = id
        self.endpoint = endpoint
        self.role = role
        self.leader = leader
        self.matchIndex = matchIndex
        self.certificateDaysLeft = certificateDaysLeft
    }
}

/// `GET /v1/status`: this member's view of the cluster.
public struct StatusInfo: Codable, Sendable {
    /// False until init or join.
    public var initialized: Bool
    public var cluster: String?
    public var member: String?
    public var role: String?
    public var leader: String?
    public var term: UInt64?
    public var commitIndex: UInt64?
    public var appliedIndex: UInt64?
    public var revision: Int64?
    /// This member's own certificate: serial, expiry (seconds since 1970) and whole days left.
    public var certificateSerial: String?
    public var certificateExpires: Double?
    public var certificateDaysLeft: Int?
    public var members: [MemberInfo]
    /// With `?cluster=true`: each member's own view (``MemberReport``), asked over the peer port.
    public var views: [MemberReport]?

    public init(
        initialized: Bool, cluster: String? = nil, member: String? = nil, role: String? = nil, leader: String? = nil, term: UInt64? = nil,
        commitIndex: UInt64? = nil, appliedIndex: UInt64? = nil, revision: Int64? = nil, certificateSerial: String? = nil,
        certificateExpires: Double? = nil, certificateDaysLeft: Int? = nil, members: [MemberInfo], views: [MemberReport]? = nil
    ) {
        self.initialized = initialized
        self.cluster = cluster
        self.member = member
        self.role = role
        self.leader = leader
        self.term = term
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.revision = revision
        self.certificateSerial = certificateSerial
        self.certificateExpires = certificateExpires
        self.certificateDaysLeft = certificateDaysLeft
        self.members = members
        self.views = views
    }
}

/// One member's own view, as another member asks for it over the peer port for the
/// cluster-wide `GET /v1/status?cluster=true` and `GET /v1/dhcp/status?cluster=true`.
public struct MemberReport: Codable, Sendable {
    /// The member's name.
    public var name: String
    /// False when it could not be asked; `error` says why, and the other fields are empty.
    public var reachable: Bool
    public var error: String?
    /// Its `kiban status --local`: role, the leader it knows, term, indexes, certificate.
    public var status: StatusInfo?
    /// Its DHCP server's counters.
    public var dhcp: DHCPStatusInfo?

    public init(name: String, reachable: Bool, error: String? = nil, status: StatusInfo? = nil, dhcp: DHCPStatusInfo? = nil) {
        self.name = name
        self.reachable = reachable
        self.error = error
        self.status = status
        self.dhcp = dhcp
    }
}

/// What a member's DHCP server did since it started (`GET /v1/dhcp/status`).
public struct DHCPStatusInfo: Codable, Sendable, Hashable {
    /// True once the DHCP socket is bound.
    public var serving: Bool
    public var received: Int
    public var committed: Int
    public var replied: [String: Int]
    public var dropped: [String: Int]

    /// Counters with these values.
    public init(serving: Bool, received: Int, committed: Int, replied: [String: Int], dropped: [String: Int]) {
        self.serving = serving
        self.received = received
        self.committed = committed
        self.replied = replied
        self.dropped = dropped
    }
}

/// `POST /v1/tokens`.
public struct TokenCreateBody: Codable, Sendable {
    public var name: String
    /// 1 s to 7 days; the daemon's default is one hour.
    public var ttlSeconds: Double?

    public init(name: String, ttlSeconds: Double?) {
        self.name = name
        self.ttlSeconds = ttlSeconds
    }
}

/// A join token as `GET /v1/tokens` lists it: never the secret or its hash.
public struct TokenInfo: Codable, Sendable {
    /// Public identifier (for `kiban token revoke`).
    public var id: String
    /// The member name it admits.
    public var name: String
    /// Expiry, seconds since 1970.
    public var expiresAt: Double

    public init(id: String, name: String, expiresAt: Double) {
        self.id = id
        self.name = name
        self.expiresAt = expiresAt
    }
}

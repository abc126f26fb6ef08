public import Foundation

/// `POST /v1/nodes/tokens`: one of `serial`, `rack` or `role`.
public struct NodeTokenBody: Codable, Sendable {
    public var serial: String?
    public var rack: Int?
    public var role: String?
    /// Default 3600, at most 7 days.
    public var ttlSeconds: Double?
    public var force: Bool?

    public init(serial: String?, rack: Int?, role: String?, ttlSeconds: Double?, force: Bool?) {
        self.serial = serial
        self.rack = rack
        self.role = role
        self.ttlSeconds = ttlSeconds
        self.force = force
    }
}

/// A node token as `GET /v1/nodes/tokens` lists it: never the secret or its hash.
public struct NodeTokenView: Codable, Sendable {
    public var id: String
    public var scope: String
    public var force: Bool
    /// Seconds since 1970.
    public var expiresAt: Double
    public var createdBy: String

    public init(id: String, scope: String, force: Bool, expiresAt: Double, createdBy: String) {
        self.id = id
        self.scope = scope
        self.force = force
        self.expiresAt = expiresAt
        self.createdBy = createdBy
    }
}

/// A machine as `GET /v1/nodes` lists it (times in seconds since 1970).
public struct NodeView: Codable, Sendable {
    public var serial: String
    public var state: String
    public var rack: Int
    public var role: String
    public var lastHeartbeat: Double?
    public var agentVersion: String?
    public var certificateSerial: String?
    public var certificateNotAfter: Double?

    public init(
        serial: String, state: String, rack: Int, role: String, lastHeartbeat: Double?, agentVersion: String?, certificateSerial: String?,
        certificateNotAfter: Double?
    ) {
        self.serial = serial
        self.state = state
        self.rack = rack
        self.role = role
        self.lastHeartbeat = lastHeartbeat
        self.agentVersion = agentVersion
        self.certificateSerial = certificateSerial
        self.certificateNotAfter = certificateNotAfter
    }
}

/// `GET /v1/machines/SERIAL/crypts`: one escrowed disk key, never the key itself (RFC 3339 time).
public struct DiskKeyView: Codable, Sendable {
    public var device: String
    public var escrowed: Date

    public init(device: String, escrowed: Date) {
        self.device = device
        self.escrowed = escrowed
    }
}

/// `DELETE /v1/machines/SERIAL/crypts`: how many keys were deleted.
public struct DiskKeysDeleted: Codable, Sendable {
    public var serial: String
    public var deleted: Int

    public init(serial: String, deleted: Int) {
        self.serial = serial
        self.deleted = deleted
    }
}

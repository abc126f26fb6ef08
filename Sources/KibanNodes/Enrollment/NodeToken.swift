public import Foundation
import KibanCA

/// A one-time node token (`kiban nodes token create SERIAL`): what `kiban agent join` needs to
/// enroll a machine, in the format rules of member join tokens (``JoinToken``). Printed once as
/// ``encoded``; the cluster stores only the hash of ``secret``.
///
/// The agent connects to one of ``addresses`` (members' node API endpoints), checks that the CA
/// certificate presented has ``caFingerprint`` **before sending anything secret**, then sends
/// ``secret``, the machine's serial and a certificate request.
public struct NodeToken: Sendable, Hashable, Codable {
    /// The cluster to enroll in.
    public var clusterID: String
    /// The machines the token admits.
    public var scope: NodeTokenScope
    /// `host:port` of the members' node API endpoints.
    public var addresses: [String]
    /// ``CertificateAuthority/fingerprint`` of the cluster CA.
    public var caFingerprint: String
    /// 32 random bytes, base64url. **Secret.**
    public var secret: String
    /// After this instant the token is refused.
    public var expiresAt: Date

    enum CodingKeys: String, CodingKey {
        case clusterID = "cluster", scope, addresses, caFingerprint = "ca", secret, expiresAt = "expires"
    }

    static let prefix = "kibannode1."
    /// The command that makes one, named in refusals.
    public static let createCommand = "kiban nodes token create"

    /// Creates a token with a fresh secret, valid for `ttl` seconds from `now`.
    public init(clusterID: String, scope: NodeTokenScope, addresses: [String], caFingerprint: String, ttl: TimeInterval, now: Date) {
        self.clusterID = clusterID
        self.scope = scope
        self.addresses = addresses
        self.caFingerprint = caFingerprint
        secret = TokenText.secret()
        expiresAt = TokenText.expiry(now: now, ttl: ttl)
    }

    /// The text an operator copies to the machine: `kibannode1.` and base64url JSON.
    public var encoded: String { TokenText.encode(self, prefix: Self.prefix) }

    /// Parses an ``encoded`` token.
    /// - Throws: ``NodeError`` `invalidInput`, saying what is wrong without echoing the token.
    public init(encoded text: String) throws(NodeError) {
        do { self = try TokenText.decode(NodeToken.self, text, prefix: Self.prefix) } catch {
            throw NodeError(.invalidInput, error.message(kind: "node token", prefix: Self.prefix, command: Self.createCommand))
        }
        guard !clusterID.isEmpty, !addresses.isEmpty, caFingerprint.hasPrefix("sha256:"), Base64URL.decode(secret)?.count == 32,
            scope.problem == nil
        else {
            throw NodeError(.invalidInput, "the node token lacks a cluster, address, CA fingerprint, secret or machine")
        }
    }

    /// What the cluster stores instead of the secret (``JoinToken/hash(secret:)``).
    public var secretHash: String { JoinToken.hash(secret: secret) }

    /// A short public identifier for listing and revoking (the first 12 hex digits of the hash).
    public var id: String { Self.id(secret: secret) }

    /// The identifier of the token whose secret is `secret`.
    public static func id(secret: String) -> String { String(JoinToken.hash(secret: secret).prefix(12)) }
}

/// Which machines a node token admits: exactly one of a serial, a rack or a role. A rack or
/// role token admits any one machine of the inventory in that rack or role (it is still spent
/// by the first enrollment).
public struct NodeTokenScope: Sendable, Hashable, Codable {
    /// One machine.
    public var serial: String?
    /// Any machine of this rack.
    public var rack: Int?
    /// Any machine of this role.
    public var role: String?

    /// A scope; give exactly one.
    public init(serial: String? = nil, rack: Int? = nil, role: String? = nil) {
        self.serial = serial
        self.rack = rack
        self.role = role
    }

    /// Why the scope is not acceptable, or nil.
    public var problem: String? {
        guard [serial != nil, rack != nil, role != nil].filter({ $0 }).count == 1 else {
            return "a node token names exactly one of a serial, --rack or --role"
        }
        if let serial, !NodeFacts.isName(serial) { return "a serial is 1 to 64 letters, digits, '.', '_' or '-'" }
        if let role, !NodeFacts.isName(role) { return "a role is 1 to 64 letters, digits, '.', '_' or '-'" }
        if let rack, rack < 0 { return "a rack is a number from 0" }
        return nil
    }

    /// Whether the scope admits machine `serial` of `rack` and `role`.
    public func admits(serial: String, rack: Int, role: String) -> Bool {
        if let s = self.serial { return s == serial }
        if let r = self.rack { return r == rack }
        return self.role == role
    }

    /// `KB-1`, `rack 3` or `role worker`, for listings and the audit log.
    public var description: String {
        if let serial { return serial }
        if let rack { return "rack \(rack)" }
        return "role \(role ?? "")"
    }
}

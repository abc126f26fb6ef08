import Crypto
public import Foundation
import SwiftASN1
import X509

/// A one-time join token (`kiban token create NAME`): everything a new server needs to join,
/// like LXD's join tokens and kubeadm's discovery hash. Printed once as ``encoded``; the
/// cluster stores only ``secretHash``.
///
/// The joining server connects to one of ``addresses``, checks that the CA certificate the
/// server presents has ``caFingerprint`` **before sending anything secret**, then sends
/// ``secret`` and a certificate request.
public struct JoinToken: Sendable, Hashable, Codable {
    /// The cluster to join.
    public var clusterID: String
    /// The name the new member will have.
    public var name: String
    /// `host:port` of the members' peer endpoints.
    public var addresses: [String]
    /// ``CertificateAuthority/fingerprint`` of the cluster CA.
    public var caFingerprint: String
    /// 32 random bytes, base64url. **Secret.**
    public var secret: String
    /// After this instant the token is refused.
    public var expiresAt: Date

    enum CodingKeys: String, CodingKey {
        case clusterID = "cluster", name, addresses, caFingerprint = "ca", secret, expiresAt = "expires"
    }

    static let prefix = "kiban1."

    private init(
        clusterID: String, name: String, addresses: [String], caFingerprint: String,
        secret: String, expiresAt: Date
    ) {
        self.clusterID = clusterID
        self.name = name
        self.addresses = addresses
        self.caFingerprint = caFingerprint
        self.secret = secret
        self.expiresAt = expiresAt
    }

    /// Creates a token with a fresh secret, valid for `ttl` seconds from `now`.
    public static func create(
        clusterID: String, name: String, addresses: [String], caFingerprint: String,
        ttl: TimeInterval, now: Date
    ) -> JoinToken {
        let secret = TokenText.secret()
        let expiry = TokenText.expiry(now: now, ttl: ttl)
        return JoinToken(
            clusterID: clusterID, name: name, addresses: addresses,
            caFingerprint: caFingerprint, secret: secret, expiresAt: expiry)
    }

    /// The text an operator copies to the new server: `kiban1.` and base64url JSON.
    public var encoded: String { TokenText.encode(self, prefix: Self.prefix) }

    /// Parses an ``encoded`` token.
    /// - Throws: ``CAError`` `invalidToken`, saying what is wrong without echoing the token.
    public init(encoded text: String) throws(CAError) {
        do { self = try TokenText.decode(JoinToken.self, text, prefix: Self.prefix) } catch {
            throw CAError(.invalidToken, error.message(kind: "join token", prefix: Self.prefix, command: "kiban token create"))
        }
        guard !clusterID.isEmpty, !name.isEmpty, !addresses.isEmpty, caFingerprint.hasPrefix("sha256:"),
            Base64URL.decode(secret)?.count == 32
        else {
            throw CAError(.invalidToken, "the join token lacks a cluster, name, address, CA fingerprint or secret")
        }
    }

    /// What the cluster stores instead of the secret: hex SHA-256 of the secret's bytes.
    public var secretHash: String { Self.hash(secret: secret) }

    /// A short public identifier for listing and revoking (the first 12 hex digits of the hash).
    public var id: String { String(secretHash.prefix(12)) }

    /// The hash stored for `secret`.
    public static func hash(secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String($0, radix: 16).leftPadded(2) }.joined()
    }

    /// Checks a presented secret against a stored hash and expiry, in constant time. A refusal
    /// tells the operator to run `create` (the command that makes a new token).
    /// - Throws: ``CAError`` `expiredToken` or `wrongSecret`.
    public static func verify(
        secret: String, storedHash: String, expiresAt: Date, now: Date,
        create: String = "kiban token create"
    ) throws(CAError) {
        let presented = Array(hash(secret: secret).utf8)
        let stored = Array(storedHash.utf8)
        var difference = UInt8(presented.count == stored.count ? 0 : 1)
        for (a, b) in zip(presented, stored) { difference |= a ^ b }
        guard difference == 0 else {
            throw CAError(.wrongSecret, "the join token is not valid for this cluster (unknown, revoked or already used); create a new one with `\(create)`")
        }
        guard now < expiresAt else {
            throw CAError(.expiredToken, "the join token expired at \(expiresAt); create a new one with `\(create)`")
        }
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5); node tokens use it too.
package enum Base64URL {
    package static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    package static func decode(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        s += String(repeating: "=", count: (4 - s.count % 4) % 4)
        return Data(base64Encoded: s).map(Array.init)
    }
}

extension JoinToken {
    /// Pins the cluster CA a member presented: `pem` must hold **exactly one** certificate,
    /// and its DER must have the token's fingerprint. Returns that certificate re-encoded from
    /// the pinned DER, the only thing the joiner may trust and store as the cluster CA.
    /// Anything else (a bundle that adds a second CA, a key, trailing certificates) is refused,
    /// and the caller sends nothing secret.
    /// - Throws: ``CAError`` `invalidPEM` (not exactly one certificate) or `wrongSecret`
    ///   (another cluster's CA).
    public func pinCA(presentedPEM pem: String) throws(CAError) -> (pem: String, fingerprint: String) {
        try Self.pinCA(presentedPEM: pem, fingerprint: caFingerprint)
    }

    /// ``pinCA(presentedPEM:)`` for any token that carries the CA's `fingerprint` (node tokens too).
    public static func pinCA(presentedPEM pem: String, fingerprint caFingerprint: String) throws(CAError) -> (pem: String, fingerprint: String) {
        let documents: [PEMDocument]
        do { documents = try PEMDocument.parseMultiple(pemString: pem) } catch {
            throw CAError(.invalidPEM, "the CA the member presented is not PEM")
        }
        guard documents.count == 1, let only = documents.first, only.discriminator == "CERTIFICATE" else {
            throw CAError(.invalidPEM, "the member presented \(documents.count) PEM blocks where exactly one CA certificate belongs")
        }
        let fingerprint = CertificateAuthority.fingerprint(ofDER: only.derBytes)
        guard fingerprint == caFingerprint else {
            throw CAError(.wrongSecret, "the member's CA is \(fingerprint), the token expects \(caFingerprint)")
        }
        guard (try? Certificate(derEncoded: only.derBytes)) != nil else {
            throw CAError(.invalidPEM, "the CA the member presented is not a certificate")
        }
        return (PEMDocument(type: "CERTIFICATE", derBytes: only.derBytes).pemString, fingerprint)
    }
}

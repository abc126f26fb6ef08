import Foundation
import KibanAdminAPI
import NIOCore

/// The first frame of every peer connection: `KBN`, the peer protocol version, what the
/// connection is for, and (for Raft) the sender's member id. Versioned so that a later build
/// can speak an older one's protocol during a rolling upgrade.
struct PeerHello: Sendable, Hashable {
    /// What a connection carries after the hello.
    enum Purpose: UInt8, Sendable {
        /// Raft messages from `from`, one per frame (``RaftMessageCodec``), until closed.
        case raft = 1
        /// One reply frame: the cluster CA certificate in PEM (public; fetched before joining).
        case caCertificate = 2
        /// One ``JoinRequest`` frame, one ``JoinResponse`` frame.
        case join = 3
        /// One ``ForwardRequest`` frame from a member (its certificate required), one
        /// ``ForwardResponse`` frame: an admin change a follower hands to the leader.
        case admin = 4
        /// One snapshot from a member in chunks (``SnapshotStream``); one answer frame.
        case snapshot = 5
        /// One ``BlobFetchRequest`` from member `from` (certificate required), answered by a
        /// ``BlobFetchHeader`` and the blob's bytes (``BlobSender``).
        case blob = 6
        /// One ``RenewRequest`` from member `from` (its current certificate required), one
        /// ``RenewResponse``: a new member certificate for the key of its CSR.
        case renew = 7
        /// Nothing more from member `from` (its certificate required); one frame back: the
        /// cluster's key-encryption key, or empty when this member has none. For a member
        /// whose `tls/kek` is missing (lost, or a cluster from before sealing).
        case kek = 8
        /// Nothing more from member `from` (its certificate required); one ``MemberReport``
        /// frame back: this member's own view, for the cluster-wide status.
        case report = 9
    }

    /// The newest peer protocol version this build speaks.
    static let version: UInt8 = 1
    static let magic: [UInt8] = Array("KBN".utf8)

    var purpose: Purpose
    var from: UInt64 = 0

    var encoded: ByteBuffer {
        var b = ByteBuffer()
        b.writeBytes(Self.magic)
        b.writeInteger(Self.version)
        b.writeInteger(purpose.rawValue)
        b.writeInteger(from)
        return b
    }

    /// Parses a hello; a newer peer's version is accepted as ours (fields are only appended).
    init(purpose: Purpose, from: UInt64 = 0) {
        self.purpose = purpose
        self.from = from
    }

    init(_ frame: ByteBuffer) throws(ServerError) {
        var b = frame
        guard b.readBytes(length: 3) == Self.magic, let version: UInt8 = b.readInteger(), version >= 1,
            let raw: UInt8 = b.readInteger(), let purpose = Purpose(rawValue: raw),
            let from: UInt64 = b.readInteger()
        else {
            throw ServerError(.forbidden, "a peer connection did not start with a Kiban hello")
        }
        self.purpose = purpose
        self.from = from
    }
}

/// What a joining server sends once it has checked the cluster CA.
struct JoinRequest: Codable, Sendable {
    /// The join token's secret. **Secret.**
    var secret: String
    /// The name the token was made for.
    var name: String
    /// `address:port` where the new member serves peers.
    var endpoint: String
    /// The new member's certificate signing request (PEM).
    var csr: String
}

/// The answer to a ``JoinRequest``.
struct JoinResponse: Codable, Sendable {
    /// Set when the join was refused; the other fields are then empty.
    var error: ServerError.Code?
    var message: String?
    /// `address:port` of the leader when this member is not it: ask there.
    var leaderEndpoint: String?
    var clusterID = ""
    var memberID: UInt64 = 0
    var certificatePEM = ""
    var caPEM = ""
    var members: [MemberRecord] = []
    /// The cluster's key-encryption key (**secret**): sent only over TLS to a joiner that
    /// pinned the CA and proved a token.
    var kek: Data?
}

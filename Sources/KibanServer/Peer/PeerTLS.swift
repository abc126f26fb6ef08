import Foundation
import KibanCA
import NIOCore
import NIOSSL
import Synchronization

/// This member's TLS material in `<data-dir>/tls/`: the cluster CA certificate, the member
/// certificate and its key (mode 0600). The CA key is not here: it lives in the store.
struct PeerTLS: Sendable {
    let caPEM: String
    let certificatePEM: String
    let keyPEM: String

    static func directory(_ dataDir: String) -> String { dataDir + "/tls" }

    /// The files a member's TLS material lives in, in the order they are put in place.
    static let files = ["ca.pem", "member.key", "member.pem"]

    /// Writes the files, the key readable by the daemon only. A renewal replaces them while
    /// the member runs, so the three are first written and synced as `NAME.new`, then renamed
    /// into place; ``load(dataDir:)`` finishes the renames a crash interrupted, so the
    /// certificate and key on disk always belong together.
    func save(dataDir: String) throws(ServerError) {
        let dir = Self.directory(dataDir)
        do {
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw ServerError(.config, "cannot create \(dir): \(error)")
        }
        for (name, text) in zip(Self.files, [caPEM, keyPEM, certificatePEM]) {
            try Self.writeSynced(dir + "/" + name + ".new", Array(text.utf8))
        }
        // The marker says: every .new file is complete; renaming may begin (or finish).
        try Self.writeSynced(dir + "/" + Self.renaming, [])
        try Self.finishRenames(dir)
    }

    /// Present while `.new` files are being renamed into place.
    static let renaming = "renaming"

    static func writeSynced(_ path: String, _ bytes: [UInt8]) throws(ServerError) {
        _ = unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServerError(.config, "cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw ServerError(.config, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Renames every `NAME.new` into place (all of them were complete and synced before the
    /// marker was written), removes the marker, then syncs the directory.
    private static func finishRenames(_ dir: String) throws(ServerError) {
        for name in files where FileManager.default.fileExists(atPath: dir + "/" + name + ".new") {
            guard rename(dir + "/" + name + ".new", dir + "/" + name) == 0 else {
                throw ServerError(.config, "cannot put \(dir)/\(name) in place: \(String(cString: strerror(errno)))")
            }
        }
        _ = unlink(dir + "/" + renaming)
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// Reads the files written by ``save(dataDir:)``, finishing an interrupted replacement.
    static func load(dataDir: String) throws(ServerError) -> PeerTLS {
        let dir = directory(dataDir)
        if FileManager.default.fileExists(atPath: dir + "/" + renaming) {
            try finishRenames(dir)
        } else {
            // A save that crashed before its marker: the files in place are the old, whole ones.
            for name in files { _ = unlink(dir + "/" + name + ".new") }
        }
        do {
            return PeerTLS(
                caPEM: try String(contentsOfFile: dir + "/ca.pem", encoding: .utf8),
                certificatePEM: try String(contentsOfFile: dir + "/member.pem", encoding: .utf8),
                keyPEM: try String(contentsOfFile: dir + "/member.key", encoding: .utf8))
        } catch {
            throw ServerError(.config, "cannot read the TLS files in \(dir) (\(error)); the data directory is damaged: restore it or join again")
        }
    }

    /// The server side: TLS 1.3; a client certificate is optional (a joining server has none
    /// yet) but one that is presented must chain to the cluster CA. Raft connections without a
    /// certificate are refused after the hello (``PeerServer``).
    func serverContext() throws(ServerError) -> NIOSSLContext {
        try context { chain, key in
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
            tls.certificateVerification = .optionalVerification
            return tls
        }
    }

    /// The client side of a Raft connection: presents the member certificate, trusts only the
    /// cluster CA (the server checks the client's name against the member list).
    func clientContext() throws(ServerError) -> NIOSSLContext {
        try context { chain, key in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateChain = chain
            tls.privateKey = key
            tls.certificateVerification = .noHostnameVerification
            return tls
        }
    }

    /// A TLS 1.3 context with this member's certificate and key, trusting only the cluster CA.
    private func context(_ make: ([NIOSSLCertificateSource], NIOSSLPrivateKeySource) -> TLSConfiguration) throws(ServerError) -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
            var tls = make(chain, .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)))
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
            tls.minimumTLSVersion = .tlsv13
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw ServerError(.config, "the TLS files in the data directory are unusable: \(error)")
        }
    }

    /// What a peer certificate (already verified against the cluster CA) names.
    static func identity(of certificate: NIOSSLCertificate) -> MemberCertificate? {
        guard let der = try? certificate.toDERBytes() else { return nil }
        return MemberCertificate(der: der)
    }
}

/// Whom this member expects at the other end of a connection it opens. TLS has checked the
/// chain to the cluster CA; this checks the name in it, before anything is sent.
enum PeerExpectation: Sendable {
    /// A listed member: its URI SAN must name this cluster and `id` (a certificate from before
    /// URI identities must carry the member's name).
    case member(cluster: String, id: UInt64, name: String?)
    /// Any member of `cluster` (the joining server does not know ids yet).
    case anyMember(cluster: String)
    /// Any certificate from the pinned CA (an agent enrolling from its boot knows the CA's
    /// fingerprint, not the cluster's ID; the CA is the cluster's own).
    case pinnedCA

    /// Why `certificate` is not the expected peer, or nil when it is.
    func mismatch(_ certificate: MemberCertificate?) -> String? {
        guard let certificate else { return "the peer's certificate does not parse" }
        switch self {
        case .member(let cluster, let id, let name):
            if let memberID = certificate.memberID {
                guard certificate.clusterID == cluster, memberID == id else {
                    return "the peer is \(certificate.clusterID ?? "?")/\(String(memberID, radix: 16)), not \(cluster)/\(String(id, radix: 16))"
                }
                return nil
            }
            return name != nil && certificate.name == name ? nil : "the peer's certificate names \(certificate.name ?? "nobody"), not \(name ?? "?")"
        case .anyMember(let cluster):
            guard let peerCluster = certificate.clusterID else { return nil }
            return peerCluster == cluster ? nil : "the peer belongs to cluster \(peerCluster), not \(cluster)"
        case .pinnedCA:
            return nil
        }
    }

    /// A TLS client handler that refuses the handshake unless the server is the expected peer:
    /// nothing this member writes leaves before that check.
    func clientHandler(_ context: NIOSSLContext) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler._makeSSLClientHandler(context: context, serverHostname: nil) { certificate, channel in
            if let reason = mismatch(PeerTLS.identity(of: certificate)) {
                return channel.eventLoop.makeFailedFuture(ServerError(.forbidden, "refused the peer: \(reason)"))
            }
            return channel.eventLoop.makeSucceededVoidFuture()
        }
    }
}

/// This member's current TLS material and the contexts made from it, shared by every peer
/// connection it opens or accepts. A renewed certificate (``replace(_:)``) is used from the
/// next connection on; open connections keep the one they were made with.
final class PeerCredentials: Sendable {
    /// The cluster this member belongs to (peers' URI SANs must name it).
    let clusterID: String
    private let state: Mutex<(tls: PeerTLS, client: NIOSSLContext, server: NIOSSLContext)>

    init(_ tls: PeerTLS, clusterID: String) throws(ServerError) {
        self.clusterID = clusterID
        state = Mutex((tls, try tls.clientContext(), try tls.serverContext()))
    }

    var tls: PeerTLS { state.withLock { $0.tls } }
    /// The context for connections this member opens.
    var client: NIOSSLContext { state.withLock { $0.client } }
    /// The context for connections it accepts.
    var server: NIOSSLContext { state.withLock { $0.server } }

    /// Uses `tls` from now on.
    func replace(_ tls: PeerTLS) throws(ServerError) {
        let client = try tls.clientContext()
        let server = try tls.serverContext()
        state.withLock { $0 = (tls, client, server) }
    }

    /// What the member `record` must present.
    func expect(_ record: MemberRecord) -> PeerExpectation {
        .member(cluster: clusterID, id: record.id, name: record.name)
    }
}

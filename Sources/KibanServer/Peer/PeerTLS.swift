import Foundation
import KibanCA
import NIOSSL

/// This member's TLS material in `<data-dir>/tls/`: the cluster CA certificate, the member
/// certificate and its key (mode 0600). The CA key is not here: it lives in the store.
struct PeerTLS: Sendable {
    let caPEM: String
    let certificatePEM: String
    let keyPEM: String

    static func directory(_ dataDir: String) -> String { dataDir + "/tls" }

    /// Writes the files, the key readable by root only.
    func save(dataDir: String) throws(ServerError) {
        let dir = Self.directory(dataDir)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(caPEM.utf8).write(to: URL(fileURLWithPath: dir + "/ca.pem"))
            try Data(certificatePEM.utf8).write(to: URL(fileURLWithPath: dir + "/member.pem"))
            guard FileManager.default.createFile(atPath: dir + "/member.key", contents: Data(keyPEM.utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw ServerError(.config, "cannot write \(dir)/member.key")
            }
        } catch {
            throw ServerError(.config, "cannot write the TLS files in \(dir): \(error)")
        }
    }

    /// Reads the files written by ``save(dataDir:)``.
    static func load(dataDir: String) throws(ServerError) -> PeerTLS {
        let dir = directory(dataDir)
        do {
            return PeerTLS(caPEM: try String(contentsOfFile: dir + "/ca.pem", encoding: .utf8),
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

    /// The member name in a peer certificate (its common name).
    static func memberName(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes() else { return nil }
        return MemberIdentity.name(ofCertificateDER: der)
    }
}

public import Foundation
import KibanCA
import KibanStore

/// `kiban snapshot restore`: disaster recovery. A backup becomes a new one-member cluster in an
/// empty data directory, offline (no daemon runs there yet); the other servers then join it
/// again with tokens.
///
/// The restored state keeps every key, and these records are replaced: `/kiban/cluster` (a new
/// cluster id), `/kiban/members/` (only this member) and `/kiban/tokens/` (none: the old
/// tokens name the old members). The CA in the backup signs this member's new certificate, so
/// tokens created afterwards carry the same CA fingerprint as before.
public enum Restore {
    /// Restores `backup` into `config.dataDir` for the member `config.name`.
    /// - Returns: the new cluster id, member, revision and applied index.
    /// - Throws: ``ServerError`` `conflict` (the data directory is not empty), `badRequest`
    ///   (the file is missing, damaged, or not a Kiban backup), `config`.
    public static func run(backup: String, config: ServerConfig, kekPath: String, now: Date = Date()) throws(ServerError) -> [String: String] {
        let dir = config.dataDir
        let kek: KeyEncryptionKey
        do { kek = try KeyEncryptionKey.load(path: kekPath) } catch { throw ServerError(.badRequest, error.message) }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: dir), !entries.isEmpty {
            throw ServerError(
                .conflict,
                "\(dir) is not empty (\(entries.sorted().prefix(3).joined(separator: ", "))); restore into a new or empty data directory (--data-dir)")
        }
        let restore: SnapshotRestore
        do throws(StoreError) { restore = try SnapshotRestore(backup: backup, into: dir) } catch {
            throw ServerError(error.code == .conflict ? .conflict : .badRequest, error.message)
        }
        let (ca, sealed) = try caFrom(restore, backup: backup, kek: kek)
        let clusterID = Daemon.randomHex(bytes: 8)
        let id = UInt64.random(in: 1...(1 << 48))
        let identity = MemberIdentity(name: config.name, ipAddresses: config.advertiseIPv4.map { [$0] } ?? [], clusterID: clusterID, memberID: id)
        let (keyPEM, csrPEM) = try call { () throws(CAError) in try MemberKey.createRequest(for: identity) }
        let certificate = try call { () throws(CAError) in try ca.signPEM(csrPEM, as: identity, now: now) }
        var me = MemberRecord(id: id, name: config.name, endpoint: config.peerEndpoint)
        me.certificateSerial = MemberCertificate(pem: certificate)?.serial
        me.certificateNotAfter = MemberCertificate(pem: certificate)?.notValidAfter.timeIntervalSince1970
        let changes: Txn
        do {
            changes = Txn(success: [
                .delete(.prefix(ClusterKey.membersPrefix)),
                .delete(.prefix(ClusterKey.memberNamesPrefix)),
                .delete(.prefix(ClusterKey.tokensPrefix)),
                .put(key: ClusterKey.member(id), value: Array(try JSONEncoder().encode(me)), lease: 0),
                .put(key: ClusterKey.memberName(me.name), value: Array(try JSONEncoder().encode(id)), lease: 0),
                .put(key: ClusterKey.ca, value: Array(try JSONEncoder().encode(CARecord(certificatePEM: ca.certificatePEM, sealedKey: sealed))), lease: 0),
                .put(key: ClusterKey.cluster, value: Array(try JSONEncoder().encode(ClusterRecord(clusterID: clusterID))), lease: 0),
            ])
        } catch {
            throw ServerError(.internal, "cannot encode the member record: \(error)")
        }
        let summary: BackupInfo
        do throws(StoreError) { summary = try restore.commit(changes, member: id) } catch {
            throw ServerError(.config, "cannot write the restored store in \(dir): \(error.message)")
        }
        try PeerTLS(caPEM: ca.certificatePEM, certificatePEM: certificate, keyPEM: keyPEM).save(dataDir: dir)
        do { try kek.save(path: KeyEncryptionKey.path(dataDir: dir)) } catch { throw ServerError(.config, error.message) }
        let local = LocalMember(clusterID: clusterID, id: id, name: config.name)
        do {
            try JSONEncoder().encode(local).write(to: URL(fileURLWithPath: dir + "/member.json"), options: .atomic)
        } catch {
            throw ServerError(.config, "cannot write \(dir)/member.json: \(error)")
        }
        return [
            "cluster": clusterID, "member": config.name, "id": String(id, radix: 16), "ca": ca.fingerprint,
            "revision": "\(summary.revision)", "appliedIndex": "\(summary.appliedIndex)", "dataDir": dir,
        ]
    }

    /// The backup's CA, opened with `kek`, and its key sealed under `kek` (a backup from before
    /// keys were sealed is sealed now).
    private static func caFrom(_ restore: SnapshotRestore, backup: String, kek: KeyEncryptionKey) throws(ServerError) -> (CertificateAuthority, SealedKey) {
        let kv: KeyValue?
        do throws(StoreError) { kv = try restore.get(ClusterKey.ca) } catch { throw ServerError(.badRequest, "\(backup): \(error.message)") }
        guard let kv, let record = try? JSONDecoder().decode(CARecord.self, from: Data(kv.value)) else {
            throw ServerError(.badRequest, "\(backup) holds no cluster CA: it is not a backup of an initialized Kiban cluster")
        }
        if let sealed = record.sealedKey {
            return (try call { () throws(CAError) in try CertificateAuthority(certificatePEM: record.certificatePEM, sealed: sealed, kek: kek) }, sealed)
        }
        guard let clear = record.privateKeyPEM else { throw ServerError(.badRequest, "\(backup): the CA record holds no key") }
        return try call { () throws(CAError) in
            let ca = try CertificateAuthority(certificatePEM: record.certificatePEM, privateKeyPEM: clear)
            return (ca, try ca.sealedKey(with: kek))
        }
    }

    private static func call<T>(_ body: () throws(CAError) -> T) throws(ServerError) -> T {
        do { return try body() } catch { throw ServerError(.badRequest, "the CA in the backup cannot sign: \(error.message)") }
    }
}

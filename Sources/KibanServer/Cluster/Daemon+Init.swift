import Foundation
import KibanCA
import KibanRaft
import KibanStore

extension Daemon {
    /// `kiban init`: a new cluster with this server as its only member. The CA key goes into
    /// the replicated store; this host keeps its member certificate and key in `tls/`.
    /// - Throws: ``ServerError`` `conflict` when this server is already in a cluster.
    public func initialize(caller: Caller) async throws(ServerError) -> [String: String] {
        try beginLifecycleChange()
        defer { busy = false }
        let clusterID = Self.randomHex(bytes: 8)
        let id = UInt64.random(in: 1...(1 << 48))
        let now = Date()
        let ca = try caCall { () throws(CAError) in try CertificateAuthority.create(clusterID: clusterID, now: now) }
        let kek = KeyEncryptionKey.create()
        let sealed = try caCall { () throws(CAError) in try ca.sealedKey(with: kek) }
        var me = MemberRecord(id: id, name: config.name, endpoint: config.peerEndpoint)
        let (keyPEM, csrPEM) = try caCall { () throws(CAError) in try MemberKey.createRequest(for: identity) }
        let issued = try issueMemberCertificate(csrPEM, as: memberIdentity(me, clusterID: clusterID), ca: ca)
        me.certificateSerial = issued.parsed.serial
        me.certificateNotAfter = issued.parsed.notValidAfter.timeIntervalSince1970
        let tls = PeerTLS(caPEM: ca.certificatePEM, certificatePEM: issued.pem, keyPEM: keyPEM)
        try tls.save(dataDir: config.dataDir)
        try caCall { () throws(CAError) in try kek.save(path: KeyEncryptionKey.path(dataDir: config.dataDir)) }
        let local = LocalMember(clusterID: clusterID, id: id, name: config.name)
        directory.upsert(me)
        try await open(local, tls: tls, bootstrap: ConfState(voters: [id]))
        try saveLocal(local)
        let store = try requireStore()
        let records =
            try encodeOperations([(ClusterKey.cluster, ClusterRecord(clusterID: clusterID))])
            + (try encodeOperations([(ClusterKey.ca, CARecord(certificatePEM: ca.certificatePEM, sealedKey: sealed))]))
            + (try encodeOperations([(ClusterKey.member(id), me)])) + (try encodeOperations([(ClusterKey.memberName(me.name), id)]))
            + [try auditPut(caller, "cluster.init", clusterID, detail: "first member \(me.name)")]
        try await retryingUntilLeader { () throws(StoreError) in _ = try await store.txn(Txn(success: records)) }
        logger.notice("initialized a new cluster", metadata: ["kiban.server.cluster": "\(clusterID)"])
        return ["cluster": clusterID, "member": config.name, "id": String(id, radix: 16), "ca": ca.fingerprint]
    }

    /// Refuses a second init or join, or one racing another.
    func beginLifecycleChange() throws(ServerError) {
        guard running == nil, !FileManager.default.fileExists(atPath: memberFile) else {
            throw ServerError(
                .conflict,
                "this server is already a member of a cluster (\(memberFile) exists); nothing was changed. To start over, stop kiban and empty \(config.dataDir)"
            )
        }
        guard !busy else { throw ServerError(.conflict, "an init or join is already in progress on this server") }
        busy = true
    }

    var identity: MemberIdentity {
        MemberIdentity(name: config.name, ipAddresses: config.advertiseIPv4.map { [$0] } ?? [])
    }

    func saveLocal(_ local: LocalMember) throws(ServerError) {
        do {
            try JSONEncoder().encode(local).write(to: URL(fileURLWithPath: memberFile), options: .atomic)
        } catch {
            throw ServerError(.config, "cannot write \(memberFile): \(error)")
        }
    }

    /// Runs `body` until it stops failing for want of a leader (a new cluster's first election),
    /// for at most ten seconds.
    func retryingUntilLeader(_ body: () async throws(StoreError) -> Void) async throws(ServerError) {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                try await body()
                return
            } catch let error where [.noLeader, .unavailable].contains(error.code) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(100))
            } catch {
                throw ServerError(.unavailable, "the store did not accept the cluster records: \(error)")
            }
        }
    }

    func caCall<T>(_ body: () throws(CAError) -> T) throws(ServerError) -> T {
        do { return try body() } catch { throw ServerError(.internal, error.message) }
    }

    static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }
}

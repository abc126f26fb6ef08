import Foundation
import KibanCA
import KibanStore

extension Daemon {
    /// `kiban join TOKEN`, on the new server: checks the cluster by the token's CA fingerprint,
    /// gets a member certificate, and starts as a learner (the leader promotes it once caught up).
    /// - Throws: ``ServerError`` `conflict` (already a member, or a name mismatch),
    ///   `forbidden` (the token was refused, or a member presented another CA), `unavailable`.
    public func join(token text: String, caller: Caller) async throws(ServerError) -> [String: String] {
        let token: JoinToken
        do { token = try JoinToken(encoded: text) } catch { throw ServerError(.badRequest, error.message) }
        guard token.name == config.name else {
            throw ServerError(
                .conflict,
                "this token is for a server named \(token.name), but this one is named \(config.name); set `name: \(token.name)` in kiban.yaml (or --name) or create a token for \(config.name)"
            )
        }
        try beginLifecycleChange()
        defer { busy = false }
        try await PeerPortProbe.check(host: config.advertiseAddress, port: config.peerPort)
        let (keyPEM, csrPEM) = try caCall { () throws(CAError) in try MemberKey.createRequest(for: identity) }
        let request = JoinRequest(secret: token.secret, name: config.name, endpoint: config.peerEndpoint, csr: csrPEM)
        let (answer, caPEM) = try await ask(token: token, request: request)
        guard let kekBytes = answer.kek, let kek = try? KeyEncryptionKey(rawBytes: Array(kekBytes)) else {
            throw ServerError(
                .unavailable,
                "the member that admitted this server sent no key-encryption key (an older version?); upgrade it, remove \(config.name) there and join again")
        }
        let tls = PeerTLS(caPEM: caPEM, certificatePEM: answer.certificatePEM, keyPEM: keyPEM)
        try tls.save(dataDir: config.dataDir)
        try caCall { () throws(CAError) in try kek.save(path: KeyEncryptionKey.path(dataDir: config.dataDir)) }
        directory.replace(answer.members)
        let local = LocalMember(clusterID: answer.clusterID, id: answer.memberID, name: config.name)
        try await open(local, tls: tls, bootstrap: nil)
        try saveLocal(local)
        logger.notice("joined the cluster as a learner", metadata: ["kiban.server.cluster": "\(answer.clusterID)"])
        return ["cluster": answer.clusterID, "member": config.name, "id": String(answer.memberID, radix: 16)]
    }

    /// Tries the token's members in turn, following a redirect to the leader.
    private func ask(token: JoinToken, request: JoinRequest) async throws(ServerError) -> (JoinResponse, String) {
        var endpoints = token.addresses
        var lastError = ServerError(.unavailable, "no member listed in the token answered")
        var attempts = 0
        while !endpoints.isEmpty, attempts < 8 {
            attempts += 1
            let endpoint = endpoints.removeFirst()
            do throws(ServerError) {
                let (answer, caPEM) = try await JoinClient.join(endpoint: endpoint, token: token, request: request)
                if let code = answer.error {
                    let error = ServerError(code, answer.message ?? "the join was refused")
                    guard code == .unavailable else { throw error }
                    lastError = error
                    if let leader = answer.leaderEndpoint { endpoints.insert(leader, at: 0) }
                    continue
                }
                return (answer, caPEM)
            } catch let error where error.code == .unavailable {
                lastError = error
            }
        }
        throw lastError
    }

    /// The member side of a join (on the leader): spends the token, signs the CSR, records the
    /// member and adds it as a learner.
    func admit(_ request: JoinRequest) async -> JoinResponse {
        do {
            return try await admitChecked(request)
        } catch {
            logger.warning("refused a join", metadata: ["kiban.server.peer_name": "\(request.name)", "kiban.server.error": "\(error)"])
            return JoinResponse(error: error.code, message: error.message)
        }
    }

    private func admitChecked(_ request: JoinRequest) async throws(ServerError) -> JoinResponse {
        let store = try requireStore()
        let status = await store.status
        guard status.role == .leader else {
            var answer = JoinResponse(error: .unavailable, message: "this member is not the leader; ask the leader")
            answer.leaderEndpoint = directory.record(status.leader)?.endpoint
            return answer
        }
        try await spendToken(secret: request.secret, name: request.name, store: store)
        let members = try await storeCall { () throws(StoreError) in try await memberRecords(store, consistency: .linearizable) }
        guard !members.contains(where: { $0.name == request.name }) else {
            throw ServerError(.conflict, "a member named \(request.name) exists; remove it first (`kiban members remove \(request.name)`)")
        }
        let ca = try await loadCA(store)
        guard let kek, let clusterID = running?.local.clusterID else {
            throw ServerError(.unavailable, "this member has no key-encryption key to hand to a new member; copy it from another member (docs/pki.md)")
        }
        var record = MemberRecord(id: UInt64.random(in: 1...(1 << 48)), name: request.name, endpoint: request.endpoint)
        let issued = try issueMemberCertificate(request.csr, as: memberIdentity(record, clusterID: clusterID), ca: ca)
        record.certificateSerial = issued.parsed.serial
        record.certificateNotAfter = issued.parsed.notValidAfter.timeIntervalSince1970
        let audit = try auditPut(
            .cluster, "member.join", record.name,
            detail: "id \(String(record.id, radix: 16)), endpoint \(record.endpoint), token \(JoinToken.hash(secret: request.secret).prefix(12)), as a learner")
        try await createMember(record, store: store, audit: audit)
        directory.upsert(record)
        try await storeCall { () throws(StoreError) in try await store.addLearner(record.id) }
        logger.notice("admitted a new member as a learner", metadata: ["kiban.server.peer_name": "\(record.name)"])
        return JoinResponse(
            clusterID: clusterID, memberID: record.id, certificatePEM: issued.pem,
            caPEM: ca.certificatePEM, members: members + [record], kek: Data(kek.rawBytes))
    }

    /// Writes a new member's record and its name key in one transaction that requires the name
    /// to be free: of two joins with two tokens for one name, one creates a member.
    private func createMember(_ record: MemberRecord, store: Store, audit: KibanStore.Operation) async throws(ServerError) {
        let nameKey = ClusterKey.memberName(record.name)
        let value: [UInt8]
        let id: [UInt8]
        do {
            value = Array(try JSONEncoder().encode(record))
            id = Array(try JSONEncoder().encode(record.id))
        } catch { throw ServerError(.internal, "\(error)") }
        let created = try await storeCall { () throws(StoreError) in
            try await store.txn(
                Txn(
                    compares: [Compare(nameKey, .equal, .version(0))],
                    success: [
                        .put(key: nameKey, value: id, lease: 0),
                        .put(key: ClusterKey.member(record.id), value: value, lease: 0), audit,
                    ]))
        }
        guard created.succeeded else {
            throw ServerError(.conflict, "a member named \(record.name) exists or is being admitted; remove it first (`kiban members remove \(record.name)`)")
        }
    }

    /// Checks the secret against the stored hash and expiry, then deletes the token in a
    /// compare-on-revision transaction: of two joins racing with one token, one wins.
    private func spendToken(secret: String, name: String, store: Store) async throws(ServerError) {
        let id = String(JoinToken.hash(secret: secret).prefix(12))
        let refused = ServerError(
            .forbidden, "the join token is not valid for this cluster (unknown, revoked or already used); create a new one with `kiban token create`")
        let found = try await storeCall { () throws(StoreError) in try await store.record(TokenRecord.self, at: ClusterKey.token(id)) }
        guard let found, found.value.name == name else { throw refused }
        do {
            try JoinToken.verify(
                secret: secret, storedHash: found.value.secretHash,
                expiresAt: Date(timeIntervalSince1970: found.value.expiresAt), now: Date())
        } catch {
            throw ServerError(.forbidden, error.message)
        }
        let key = ClusterKey.token(id)
        let spent = try await storeCall { () throws(StoreError) in
            try await store.txn(Txn(compares: [Compare(key, .equal, .modRevision(found.modRevision))], success: [.delete(.key(key))]))
        }
        guard spent.succeeded else { throw refused }
    }
}

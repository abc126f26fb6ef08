import Foundation
import KibanCA
import KibanStore

/// A member's request for a new certificate (peer purpose ``PeerHello/Purpose/renew``). The
/// identity comes from the certificate that authenticated the connection, never from here.
struct RenewRequest: Codable, Sendable {
    /// A CSR for the member's new key.
    var csr: String
}

/// The answer to a ``RenewRequest``.
struct RenewResponse: Codable, Sendable {
    var error: ServerError.Code?
    var message: String?
    var certificatePEM = ""
}

extension Daemon {
    /// The cluster CA with its key opened: from the sealed record and this member's
    /// key-encryption key (or a record written before keys were sealed).
    /// - Throws: ``ServerError`` `internal` when the record is missing, or `unavailable` when
    ///   this member lacks the key-encryption key that sealed it.
    func loadCA(_ store: Store) async throws(ServerError) -> CertificateAuthority {
        let record = try await storeCall { () throws(StoreError) in try await store.record(CARecord.self, at: ClusterKey.ca) }
        guard let record else { throw ServerError(.internal, "the cluster CA is missing from the store") }
        if let sealed = record.value.sealedKey {
            guard let kek else {
                throw ServerError(
                    .unavailable,
                    "this member has no key-encryption key (\(KeyEncryptionKey.path(dataDir: config.dataDir))), so it cannot open the CA key; copy it from another member (docs/pki.md)"
                )
            }
            return try caCall { () throws(CAError) in
                try CertificateAuthority(certificatePEM: record.value.certificatePEM, sealed: sealed, kek: kek)
            }
        }
        guard let clear = record.value.privateKeyPEM else { throw ServerError(.internal, "the cluster CA record holds no key") }
        return try caCall { () throws(CAError) in try CertificateAuthority(certificatePEM: record.value.certificatePEM, privateKeyPEM: clear) }
    }

    /// Signs a member certificate for `csr` naming `identity`, valid for
    /// ``memberCertificateValidity``.
    func issueMemberCertificate(_ csr: String, as identity: MemberIdentity, ca: CertificateAuthority) throws(ServerError) -> (
        pem: String, parsed: MemberCertificate
    ) {
        let pem = try caCall { () throws(CAError) in
            try ca.signPEM(csr, as: identity, now: Date(), validity: memberCertificateValidity)
        }
        guard let parsed = MemberCertificate(pem: pem) else { throw ServerError(.internal, "a certificate just issued does not parse") }
        return (pem, parsed)
    }

    /// The identity a member's certificate carries: its name, the IPv4 address of its peer
    /// endpoint, this cluster and its Raft id.
    func memberIdentity(_ record: MemberRecord, clusterID: String) -> MemberIdentity {
        let host = (try? PeerEndpoint.split(record.endpoint).0) ?? ""
        let ip = host.split(separator: ".").compactMap { UInt8($0) }
        return MemberIdentity(name: record.name, ipAddresses: ip.count == 4 ? [ip] : [], clusterID: clusterID, memberID: record.id)
    }

    /// The leader's side of a renewal: a new certificate for the member that authenticated,
    /// its serial recorded in the member record, and an audit record.
    func renewCertificate(_ request: RenewRequest, for peer: AuthenticatedPeer) async -> RenewResponse {
        do throws(ServerError) {
            let store = try requireStore()
            guard await store.status.role == .leader, let r = running else {
                throw ServerError(.unavailable, "this member is not the leader; ask the leader")
            }
            let found = try await storeCall { () throws(StoreError) in try await store.record(MemberRecord.self, at: ClusterKey.member(peer.id)) }
            guard let found, found.value.name == peer.name else { throw ServerError(.forbidden, "\(peer.name) is not a member") }
            let ca = try await loadCA(store)
            let issued = try issueMemberCertificate(request.csr, as: memberIdentity(found.value, clusterID: r.local.clusterID), ca: ca)
            var updated = found.value
            updated.certificateSerial = issued.parsed.serial
            updated.certificateNotAfter = issued.parsed.notValidAfter.timeIntervalSince1970
            let audit = try auditPut(
                .cluster, "member.renew-certificate", peer.name,
                detail: "serial \(issued.parsed.serial), expires \(issued.parsed.notValidAfter.formatted(.iso8601))")
            try await putMember(updated, comparing: found.modRevision, store: store, audit: audit)
            return RenewResponse(certificatePEM: issued.pem)
        } catch {
            logger.warning("refused a certificate renewal", metadata: ["kiban.server.peer_name": "\(peer.name)", "kiban.server.error": "\(error)"])
            return RenewResponse(error: error.code, message: error.message)
        }
    }

    /// Rewrites a member record if it is unchanged since `revision`, with its audit entry.
    func putMember(_ record: MemberRecord, comparing revision: Int64, store: Store, audit: KibanStore.Operation) async throws(ServerError) {
        let key = ClusterKey.member(record.id)
        let value: [UInt8]
        do { value = Array(try JSONEncoder().encode(record)) } catch { throw ServerError(.internal, "\(error)") }
        let result = try await storeCall { () throws(StoreError) in
            try await store.txn(Txn(compares: [Compare(key, .equal, .modRevision(revision))], success: [.put(key: key, value: value, lease: 0), audit]))
        }
        guard result.succeeded else { throw ServerError(.conflict, "member \(record.name) changed meanwhile; retry") }
        directory.upsert(record)
    }

    /// This member's side: when ``RenewalPolicy`` says its certificate is due, a new key and
    /// CSR go to the leader (or are signed here when this member leads); the new certificate
    /// and key replace the files in `tls/` and are used from the next connection on.
    func renewOwnCertificateIfDue(now: Date = Date()) async {
        guard let r = running else { return }
        let current = r.credentials.tls
        guard let certificate = MemberCertificate(pem: current.certificatePEM), RenewalPolicy.isDue(certificate, now: now) else { return }
        do throws(ServerError) {
            let me = MemberIdentity(name: r.local.name, ipAddresses: [])
            let (keyPEM, csrPEM) = try caCall { () throws(CAError) in try MemberKey.createRequest(for: me) }
            let pem = try await requestCertificate(csrPEM, running: r)
            let renewed = PeerTLS(caPEM: current.caPEM, certificatePEM: pem, keyPEM: keyPEM)
            try renewed.save(dataDir: config.dataDir)
            try r.credentials.replace(renewed)
            let parsed = MemberCertificate(pem: pem)
            logger.notice(
                "renewed this member's certificate",
                metadata: [
                    "kiban.server.serial": "\(parsed?.serial ?? "?")", "kiban.server.not_after": "\(parsed?.notValidAfter ?? Date())",
                ])
        } catch {
            logger.warning(
                "could not renew this member's certificate; retrying",
                metadata: [
                    "kiban.server.error": "\(error)", "kiban.server.not_after": "\(certificate.notValidAfter)",
                ])
        }
    }

    private func requestCertificate(_ csr: String, running r: Running) async throws(ServerError) -> String {
        let status = await r.store.status
        if status.role == .leader {
            guard let found = directory.record(r.local.id) else { throw ServerError(.unavailable, "this member is not in its own member list yet") }
            let answer = await renewCertificate(RenewRequest(csr: csr), for: AuthenticatedPeer(id: found.id, name: found.name))
            if let code = answer.error { throw ServerError(code, answer.message ?? "renewal refused") }
            return answer.certificatePEM
        }
        guard status.leader != 0, let leader = directory.record(status.leader) else {
            throw ServerError(.unavailable, "no leader to renew the certificate with")
        }
        let body: Data
        do { body = try JSONEncoder().encode(RenewRequest(csr: csr)) } catch { throw ServerError(.internal, "\(error)") }
        let reply = try await JoinClient.exchange(
            endpoint: leader.endpoint, context: r.credentials.client, expect: r.credentials.expect(leader),
            frames: [PeerHello(purpose: .renew, from: r.local.id).encoded, .init(bytes: body)],
            deadline: .seconds(15))
        let answer: RenewResponse
        do { answer = try JSONDecoder().decode(RenewResponse.self, from: Data(reply.readableBytesView)) } catch {
            throw ServerError(.unavailable, "the leader answered the renewal with something unreadable")
        }
        if let code = answer.error { throw ServerError(code, answer.message ?? "renewal refused") }
        guard MemberCertificate(pem: answer.certificatePEM)?.memberID == r.local.id else {
            throw ServerError(.internal, "the leader returned a certificate for another member")
        }
        return answer.certificatePEM
    }

    /// On the leader: a CA record written before keys were sealed is sealed under this
    /// member's key-encryption key, once. (Older log entries and snapshots keep the clear key
    /// until compaction replaces them; docs/pki.md says to rotate after upgrading.)
    func sealLegacyCARecord(_ store: Store) async {
        guard let kek, await store.status.role == .leader,
            let found = try? await store.record(CARecord.self, at: ClusterKey.ca), found.value.sealedKey == nil,
            let ca = try? await loadCA(store), let sealed = try? ca.sealedKey(with: kek)
        else { return }
        let record = CARecord(certificatePEM: found.value.certificatePEM, sealedKey: sealed, privateKeyPEM: nil)
        guard let value = try? JSONEncoder().encode(record) else { return }
        let txn = Txn(
            compares: [Compare(ClusterKey.ca, .equal, .modRevision(found.modRevision))],
            success: [.put(key: ClusterKey.ca, value: Array(value), lease: 0)])
        if (try? await store.txn(txn))?.succeeded == true {
            logger.notice("sealed the cluster CA key under the key-encryption key", metadata: ["kiban.server.kek": "\(kek.id)"])
        }
    }
}

extension Daemon {
    /// Makes sure this member holds the key-encryption key that seals the CA record: a member
    /// without one (its `tls/kek` was lost, or the cluster predates sealing) or with another one
    /// asks the other members for theirs over authenticated peer connections, and keeps the one
    /// that opens the record. When no member has one and the record is still in clear, the
    /// leader creates the cluster's key (and ``sealLegacyCARecord(_:)`` then seals the record).
    func ensureKEK(_ store: Store) async {
        guard let r = running,
            let record = try? await store.record(CARecord.self, at: ClusterKey.ca, consistency: .serializable)
        else { return }
        let wanted = record.value.sealedKey?.kek
        if let kek, wanted == nil || wanted == kek.id { return }
        for member in directory.all where member.id != r.local.id {
            guard let candidate = await fetchKEK(from: member, running: r) else { continue }
            if wanted == nil || wanted == candidate.id {
                adoptKEK(candidate, from: member.name)
                return
            }
        }
        guard wanted == nil, kek == nil, await store.status.role == .leader else {
            logger.warning("no member holds the key-encryption key that seals the CA (\(wanted ?? "none")); copy tls/kek from a backup of it (docs/pki.md)")
            return
        }
        adoptKEK(KeyEncryptionKey.create(), from: nil)
    }

    private func adoptKEK(_ candidate: KeyEncryptionKey, from member: String?) {
        do {
            try candidate.save(path: KeyEncryptionKey.path(dataDir: config.dataDir))
            kek = candidate
            logger.notice(
                member.map { "received the key-encryption key from \($0)" } ?? "created the cluster's key-encryption key",
                metadata: ["kiban.server.kek": "\(candidate.id)"])
        } catch {
            logger.error("cannot write the key-encryption key", metadata: ["kiban.server.error": "\(error)"])
        }
    }

    private func fetchKEK(from member: MemberRecord, running r: Running) async -> KeyEncryptionKey? {
        let reply = try? await JoinClient.exchange(
            endpoint: member.endpoint, context: r.credentials.client, expect: r.credentials.expect(member),
            frames: [PeerHello(purpose: .kek, from: r.local.id).encoded], deadline: .seconds(5))
        guard let reply, reply.readableBytes > 0 else { return nil }
        return try? KeyEncryptionKey(rawBytes: Array(reply.readableBytesView))
    }
}

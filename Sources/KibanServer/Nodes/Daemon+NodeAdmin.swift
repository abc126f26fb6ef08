import Foundation
import KibanAdminAPI
import KibanCA
import KibanNodes
import KibanStore
import Yams

extension NodeView {
    init(_ s: NodeSummary) {
        self.init(
            serial: s.serial, state: s.state.rawValue, rack: s.rack, role: s.role, lastHeartbeat: s.lastHeartbeat?.timeIntervalSince1970,
            agentVersion: s.agentVersion, certificateSerial: s.certificateSerial, certificateNotAfter: s.certificateNotAfter?.timeIntervalSince1970)
    }
}

/// The node subsystem's admin endpoints: tokens and the node list.
extension Daemon {
    /// `kiban nodes token create`: the encoded token, printed once.
    func createNodeToken(_ body: NodeTokenBody, caller: Caller) async throws(ServerError) -> [String: String] {
        let cluster = try await nodeTokenCluster()
        let scope = NodeTokenScope(serial: body.serial, rack: body.rack, role: body.role)
        do {
            let token = try await nodeEnrollment().tokens.create(
                scope, force: body.force ?? false, ttl: body.ttlSeconds ?? 3600,
                cluster: cluster, user: caller.auditUser, now: Date())
            logChange(caller, "nodes token create \(token.id)")
            return ["token": token.encoded, "id": token.id, "scope": scope.description, "expires": "\(Int(token.expiresAt.timeIntervalSince1970))"]
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// What a node token carries besides its scope: this cluster, its node API endpoints, its CA.
    func nodeTokenCluster() async throws(ServerError) -> NodeTokens.Cluster {
        _ = try requireStore()
        guard let running else { preconditionFailure("requireStore() returned, so a member is running") }
        guard let ca = MemberCertificate.der(pem: running.credentials.tls.caPEM) else {
            throw ServerError(.internal, "the CA certificate in the data directory is unreadable")
        }
        return NodeTokens.Cluster(
            clusterID: running.local.clusterID, addresses: await nodeEndpoints().values.sorted(),
            caFingerprint: CertificateAuthority.fingerprint(ofDER: ca))
    }

    /// `kiban nodes token list`.
    func listNodeTokens() async throws(ServerError) -> [NodeTokenView] {
        do {
            return try await nodeEnrollment().tokens.list().map {
                NodeTokenView(
                    id: $0.id, scope: $0.scope.description, force: $0.force, expiresAt: $0.expiresAt.timeIntervalSince1970,
                    createdBy: $0.createdBy)
            }
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// `kiban nodes token revoke ID`.
    func revokeNodeToken(id: String, caller: Caller) async throws(ServerError) {
        do {
            try await nodeEnrollment().tokens.revoke(id: id, user: caller.auditUser, now: Date())
            logChange(caller, "nodes token revoke \(id)")
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// `kiban nodes revoke SERIAL`: revokes the machine's node certificate; returns its serial number.
    func revokeNode(serial: String, caller: Caller) async throws(ServerError) -> String {
        do {
            let revoked = try await nodeEnrollment().revoke(serial: serial, user: caller.auditUser, now: Date())
            logChange(caller, "nodes revoke \(serial) (certificate \(revoked))")
            return revoked
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// `kiban nodes checks set ROLE FILE`: the checks agents of `role` run, from a YAML or JSON
    /// list (empty: none). Audited as `nodes.checks.set`.
    func setNodeChecks(role: String, document: [UInt8], caller: Caller) async throws(ServerError) -> [HealthCheck] {
        let checks: [HealthCheck]
        do {
            let text = String(decoding: document, as: UTF8.self)
            checks = text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? [] : try YAMLDecoder().decode([HealthCheck].self, from: text)
        } catch {
            throw ServerError(.badRequest, "the checks are not a YAML or JSON list of {name, unit|path|command, timeout-seconds}: \(error)")
        }
        do {
            let service = NodeService(store: try requireStore(), inventory: try inventoryService())
            let entry = auditEntry(caller, "nodes.checks.set", role, detail: checks.isEmpty ? "none" : checks.map(\.name).joined(separator: ", "))
            try await service.setChecks(checks, role: role, audit: entry)
        } catch {
            throw ServerError(answering: error)
        }
        logChange(caller, "nodes checks set \(role)")
        return checks
    }

    /// `kiban nodes checks get ROLE`.
    func nodeChecks(role: String) async throws(ServerError) -> [HealthCheck] {
        do {
            return try await NodeService(store: try requireStore(), inventory: try inventoryService()).checks(role: role)
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// `kiban nodes list`: every machine with its health, agent and certificate; the last
    /// heartbeats come from the leader's memory (asked over its node API with this member's
    /// certificate when this member does not lead; none when it cannot be reached).
    func listNodes() async throws(ServerError) -> [NodeView] {
        do {
            let enrollment = try nodeEnrollment()
            let service = NodeService(store: enrollment.store, inventory: enrollment.tokens.inventory)
            let summaries = try await service.summaries(enrolled: try await enrollment.enrolled(), lastHeartbeat: await leaderHeartbeats())
            return summaries.map(NodeView.init)
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// When the leader last heard from each machine.
    private func leaderHeartbeats() async -> [String: Date] {
        if let local = await nodes?.monitor.lastHeartbeats { return local }
        guard let running, let leader = directory.record(await running.store.status.leader),
            let endpoint = await nodeEndpoints()[leader.name]
        else { return [:] }
        let tls = running.credentials.tls
        guard
            let client = try? NodeAPIClient(
                caPEM: tls.caPEM, clusterID: running.local.clusterID,
                certificatePEM: tls.certificatePEM, keyPEM: tls.keyPEM),
            let (status, body) = try? await client.request(endpoint: endpoint, method: .GET, path: "/v1/heartbeats", body: nil),
            status == .ok, let seconds = try? JSONDecoder().decode([String: Double].self, from: Data(body))
        else { return [:] }
        return seconds.mapValues { Date(timeIntervalSince1970: $0) }
    }
}

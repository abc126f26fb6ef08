import Foundation
import KibanCA
import KibanNodes
import NIOHTTP1

/// `POST /v1/heartbeat`: the checks the agent ran.
struct HeartbeatBody: Codable, Sendable {
    var checks: [HealthReport.Check]
}

/// The answer to a heartbeat: when to report next, which checks to run, and every member's
/// node API endpoint (agents follow leadership and membership through it).
struct HeartbeatAnswer: Codable, Sendable {
    var intervalSeconds: Double
    var checks: [HealthCheck]
    var members: [String]
    /// How many operations wait for the machine (`GET /v1/operations`); nil from older members.
    var operations: Int?
}

/// The answer to an enrollment.
struct EnrollAnswer: Codable, Sendable {
    var enrolled: NodeEnrollment.Enrolled
    var members: [String]
}

/// The node API's routes (docs/nodes.md). Only `GET /v1/ca`, `POST /v1/enroll` and
/// `POST /v1/boot-token` answer a client without a certificate; everything else names the machine by the verified client
/// certificate, never by the request body.
extension Daemon {
    /// Answers one node API request.
    func nodeAPI(_ request: NodeAPIRequest) async -> NodeAPIResponse {
        do {
            return try await routeNode(request)
        } catch {
            let failure = ServerError(answering: error)
            if failure.code == .forbidden || failure.code == .badRequest {
                logger.info("refused a node API request", metadata: ["kiban.nodes.path": "\(request.path)", "kiban.nodes.error": "\(failure.message)"])
            }
            let (status, body) = failure.answer
            return NodeAPIResponse(status: HTTPResponseStatus(statusCode: status), body: body)
        }
    }

    private func routeNode(_ r: NodeAPIRequest) async throws -> NodeAPIResponse {
        switch (r.method, r.path) {
        case (.GET, "/v1/ca"):
            guard let running else { throw ServerError(.unavailable, "this server is not in a cluster yet") }
            return ok(["ca": running.credentials.tls.caPEM])
        case (.POST, "/v1/enroll"):
            let body = try JSONDecoder().decode(NodeEnrollment.Request.self, from: Data(r.body))
            let enrolled = try await nodeEnrollment().enroll(body, now: Date())
            logger.notice(
                "enrolled a machine",
                metadata: [
                    "kiban.nodes.serial": "\(body.serial)",
                    "kiban.nodes.certificate": "\(enrolled.certificateSerial)",
                ])
            return ok(EnrollAnswer(enrolled: enrolled, members: await nodeEndpoints().values.sorted()))
        case (.POST, "/v1/boot-token"):
            return try await bootToken(r)
        case (.POST, "/v1/renew"):
            let serial = try await nodeIdentity(r)
            guard let client = r.client else { preconditionFailure("nodeIdentity(_:) returned, so a client certificate was presented") }
            let body = try JSONDecoder().decode([String: String].self, from: Data(r.body))
            let renewed = try await nodeEnrollment().renew(serial: serial, certificateSerial: client.serial, csr: body["csr"] ?? "", now: Date())
            logger.notice(
                "renewed a node certificate",
                metadata: ["kiban.nodes.serial": "\(serial)", "kiban.nodes.certificate": "\(renewed.certificateSerial)"])
            return ok(renewed)
        case (.POST, "/v1/heartbeat"):
            let serial = try await nodeIdentity(r)
            let body = try JSONDecoder().decode(HeartbeatBody.self, from: Data(r.body))
            return try await heartbeat(serial, body)
        case (.GET, "/v1/heartbeats"):
            try requireMember(r)
            guard let received = await nodes?.monitor.lastHeartbeats else {
                return NodeAPIResponse(status: .misdirectedRequest, body: AdminRouter.encode(["error": "unavailable", "message": "this member does not lead"]))
            }
            return ok(received.mapValues(\.timeIntervalSince1970))
        case (.PUT, "/v1/facts"):
            let serial = try await nodeIdentity(r)
            var facts = try JSONDecoder().decode(NodeFacts.self, from: Data(r.body))
            facts.serial = serial
            let written = try await NodeService(store: try requireStore(), inventory: try inventoryService()).recordFacts(facts)
            return ok(["recorded": written])
        default:
            if let answer = try await nodeResource(r, identify: nodeIdentity) { return answer }
            throw ServerError(.notFound, "no node API endpoint \(r.method) \(r.path); see docs/nodes.md")
        }
    }

    /// Mints a boot token for the serial in the body, bound to the request's source address
    /// (``BootEnrollment``). The token is in the answer only, never in the log.
    private func bootToken(_ r: NodeAPIRequest) async throws -> NodeAPIResponse {
        let body = try JSONDecoder().decode([String: String].self, from: Data(r.body))
        guard let serial = body["serial"], let address = r.remoteAddress else {
            throw NodeError(.invalidInput, "a boot token request is {\"serial\": SERIAL}")
        }
        let cluster = try await nodeTokenCluster()
        let token = try await BootEnrollment(tokens: try nodeEnrollment().tokens).mint(serial: serial, from: address, cluster: cluster, now: Date())
        logger.notice(
            "minted a boot token", metadata: ["kiban.nodes.serial": "\(serial)", "kiban.nodes.address": "\(address)", "kiban.nodes.token": "\(token.id)"])
        return ok(["token": token.encoded])
    }

    /// Refuses a request whose client certificate is not a listed member's of this cluster.
    private func requireMember(_ r: NodeAPIRequest) throws(ServerError) {
        guard let client = r.client, let id = client.memberID, client.clusterID == running?.local.clusterID, directory.record(id) != nil else {
            throw ServerError(.forbidden, "this endpoint answers members of the cluster only")
        }
    }

    /// The machine the request's client certificate names.
    private func nodeIdentity(_ r: NodeAPIRequest) async throws -> String {
        guard let client = r.client else {
            throw NodeError(.forbidden, "this endpoint needs the node certificate; enroll first with kiban agent join")
        }
        return try await nodeEnrollment().identify(certificateSerial: client.serial, uris: client.uris, now: Date())
    }

    /// Records a heartbeat on the leader; a follower answers 421 naming the leader's endpoint.
    private func heartbeat(_ serial: String, _ body: HeartbeatBody) async throws -> NodeAPIResponse {
        guard body.checks.count <= HealthCheck.perRoleMax else { throw NodeError(.invalidInput, "at most \(HealthCheck.perRoleMax) check results") }
        guard let monitor = nodes?.monitor else { throw ServerError(.unavailable, "the node subsystem is not running") }
        let endpoints = await nodeEndpoints()
        guard await monitor.heartbeat(serial, HealthReport.bounded(received: Date(), checks: body.checks)) else {
            let leader = await leaderName().flatMap { endpoints[$0] }
            return NodeAPIResponse(
                status: .misdirectedRequest,
                body: AdminRouter.encode([
                    "error": ServerError.Code.unavailable.rawValue, "leader": leader ?? "",
                    "message": "this member does not lead; send heartbeats to the leader" + (leader.map { " at \($0)" } ?? " (none known yet; retry)"),
                ]))
        }
        let inventory = try inventoryService()
        // Local reads: this member leads, and a heartbeat costs no quorum round.
        let role = try await inventory.machine(serial, consistency: .serializable)?.registration.role
        let checks =
            try await role.asyncMap {
                try await NodeService(store: inventory.store, inventory: inventory).checks(role: $0, consistency: .serializable)
            } ?? []
        return ok(
            HeartbeatAnswer(
                intervalSeconds: config.nodeHeartbeatSeconds, checks: checks, members: endpoints.values.sorted(),
                operations: await pendingOperations(serial)))
    }

    /// The leader's member name, as this member knows it.
    private func leaderName() async -> String? {
        guard let store = running?.store else { return nil }
        return directory.record(await store.status.leader)?.name
    }

    func ok(_ value: some Encodable) -> NodeAPIResponse {
        NodeAPIResponse(status: .ok, body: AdminRouter.encode(value))
    }
}

import Foundation
public import KibanNodes
public import Logging
import NIOHTTP1
import Synchronization

extension NodeAgent {
    /// How `kiban agent run` behaves.
    public struct RunOptions: Sendable {
        /// Where `kiban agent join` saved the state.
        public var stateDir: String
        /// Members' node API endpoints to try besides those learned.
        public var servers: [String]
        /// Seconds between heartbeats; nil: what the cluster says (`node-heartbeat-seconds`).
        public var intervalSeconds: Double?
        /// Reads the facts.
        public var collector: FactCollector
        /// The longest wait between attempts while no member answers.
        public var backoffMaxSeconds: Double = 30

        /// Options for the agent in `stateDir`.
        public init(stateDir: String, servers: [String], intervalSeconds: Double?, collector: FactCollector) {
            self.stateDir = stateDir
            self.servers = servers
            self.intervalSeconds = intervalSeconds
            self.collector = collector
        }
    }

    /// `kiban agent run`: sends the facts at start and whenever they change, and a heartbeat
    /// with the role's checks every interval, to the leader (a follower names it). When a
    /// member does not answer, the next one it knows is tried; when none does, it waits, twice
    /// as long each time up to ``RunOptions/backoffMaxSeconds``. After each round it renews
    /// its certificate once two thirds of its lifetime have passed. Runs until cancelled.
    /// - Throws: ``ServerError`` `config` when the state directory holds no enrollment.
    public static func run(_ options: RunOptions, logger: Logger) async throws(ServerError) {
        var state = try AgentState.load(options.stateDir)
        var session = AgentSession(members: unique(state.members + options.servers))
        let wake = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Operations run beside the heartbeats: a long command does not silence the machine.
        let current = CurrentClient(try Self.client(state))
        let operations = Task { [members = session.members] in
            await runOperations(current, members: members, stateDir: options.stateDir, wake: wake.stream, logger: logger)
        }
        defer {
            wake.continuation.finish()
            operations.cancel()
        }
        wake.continuation.yield()
        var backoff = 1.0
        while !Task.isCancelled {
            do throws(ServerError) {
                let learned = try await session.beat(current.client, collector: options.collector, serial: state.serial, logger: logger)
                backoff = 1
                if session.pendingOperations > 0 { wake.continuation.yield() }
                if let learned, Set(learned) != Set(state.members) {
                    state.members = learned
                    try? state.saveMembers(learned, dir: options.stateDir)
                    session.members = unique([session.members[0]] + learned + options.servers)
                }
                if renewalDue(state.certificatePEM, now: Date()) {
                    do throws(ServerError) {
                        state = try await renew(state, client: current.client, endpoints: session.members, stateDir: options.stateDir, logger: logger)
                        current.client = try Self.client(state)
                    } catch {
                        logger.warning("could not renew the node certificate; trying again next round", metadata: ["kiban.agent.error": "\(error.message)"])
                    }
                }
                try? await Task.sleep(for: .seconds(options.intervalSeconds ?? session.intervalSeconds))
            } catch {
                // A member that answered (a follower while no leader is known) is retried at the
                // interval: the new leader's grace period is short. Silence backs off.
                let wait = session.answered ? options.intervalSeconds ?? session.intervalSeconds : backoff
                logger.warning(
                    "no member took the report; waiting", metadata: ["kiban.agent.error": "\(error.message)", "kiban.agent.retry_seconds": "\(wait)"])
                try? await Task.sleep(for: .seconds(wait))
                if !session.answered { backoff = min(backoff * 2, options.backoffMaxSeconds) }
            }
        }
    }
}

extension NodeAgent {
    /// A node API client presenting the node certificate of `state`.
    static func client(_ state: AgentState) throws(ServerError) -> NodeAPIClient {
        try NodeAPIClient(
            caPEM: state.caPEM, clusterID: state.cluster, certificatePEM: state.certificatePEM,
            chainPEM: state.chainPEM, keyPEM: state.keyPEM)
    }
}

/// What the running agent keeps between heartbeats: the members in the order to try (the one
/// that answered last first), the facts last accepted, the checks and the interval the
/// cluster asked for.
struct AgentSession {
    var members: [String]
    var sentFacts: NodeFacts?
    var checks: [HealthCheck] = []
    var intervalSeconds = 5.0
    /// How many operations the last heartbeat's answer said wait for this machine.
    var pendingOperations = 0
    /// Whether some member answered during the last round (even only to say it does not lead).
    var answered = false
    let runner = CheckRunner()

    init(members: [String]) { self.members = members }

    /// One round: facts when changed, then the heartbeat; returns the members the cluster listed.
    /// - Throws: ``ServerError`` `unavailable` when no member took it; a refusal as it came.
    mutating func beat(_ client: NodeAPIClient, collector: FactCollector, serial: String, logger: Logger) async throws(ServerError) -> [String]? {
        answered = false
        let facts = collector.collect(serial: serial)
        if facts != sentFacts {
            _ = try await send(client, .PUT, "/v1/facts", facts)
            sentFacts = facts
            logger.info("reported facts", metadata: ["kiban.agent.nics": "\(facts.nics.count)", "kiban.agent.disks": "\(facts.disks.count)"])
        }
        let results = await runner.run(checks)
        let answer = try NodeAgent.decode(HeartbeatAnswer.self, try await send(client, .POST, "/v1/heartbeat", HeartbeatBody(checks: results)), "the leader")
        checks = answer.checks
        intervalSeconds = answer.intervalSeconds
        pendingOperations = answer.operations ?? 0
        return answer.members.isEmpty ? nil : answer.members
    }

    /// Sends to the first member that takes it: one that does not answer is moved last, a
    /// follower's pointer to the leader moves the leader first.
    mutating func send(_ client: NodeAPIClient, _ method: HTTPMethod, _ path: String, _ value: some Encodable) async throws(ServerError) -> [UInt8] {
        let body: [UInt8]
        do { body = Array(try JSONEncoder().encode(value)) } catch { throw ServerError(.internal, "\(error)") }
        var lastError = ServerError(.unavailable, "no member is known; give one with --server")
        for _ in 0..<(members.count + 1) {
            guard let endpoint = members.first else { break }
            do throws(ServerError) {
                let (status, answer) = try await client.request(endpoint: endpoint, method: method, path: path, body: body)
                answered = true
                if status == .misdirectedRequest {
                    let leader = (try? JSONDecoder().decode([String: String].self, from: Data(answer)))?["leader"] ?? ""
                    lastError = ServerError(.unavailable, "\(endpoint) does not lead")
                    members = NodeAgent.unique(leader.isEmpty ? Array(members.dropFirst()) + [endpoint] : [leader] + members)
                    continue
                }
                guard status == .ok else { throw NodeAgent.refusal(status, answer, endpoint) }
                return answer
            } catch  where error.code == .unavailable {
                lastError = error
                members = Array(members.dropFirst()) + [endpoint]
            }
        }
        throw lastError
    }
}

/// The agent's client with its current certificate, shared by the heartbeat loop (which renews
/// the certificate) and the operations task (which must not go on with a revoked one).
final class CurrentClient: Sendable {
    private let value: Mutex<NodeAPIClient>

    init(_ client: NodeAPIClient) { value = Mutex(client) }

    var client: NodeAPIClient {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

import Foundation
import KibanCA
import KibanInventory
import KibanNodes
import KibanStore
import Logging

/// The node subsystem on this member (docs/nodes.md): the node API on `node-port`, the
/// health loop, and the adapters from admin and node API requests to KibanNodes' services.
extension Daemon {
    /// Starts the node API and the health loop of a running member. A port that cannot be
    /// bound is logged, and the member runs without it (like the metrics port).
    func startNodes(store: Store, credentials: PeerCredentials, inventory: InventoryService, logger log: Logger) async {
        let rules = HealthRules(heartbeatSeconds: config.nodeHeartbeatSeconds)
        let monitor = HealthMonitor(service: NodeService(store: store, inventory: inventory), rules: rules)
        let tls = NodeTLS(credentials: credentials)
        var api: NodeAPIServer?
        do {
            api = try await NodeAPIServer.start(
                host: config.nodeAddress, port: config.nodePort, tls: { tls.context },
                handle: { [weak self] request in
                    guard let self else { return NodeAPIServer.refusal(.serviceUnavailable, "the server is stopping") }
                    return await self.nodeAPI(request)
                }, logger: log)
            log.notice("serving the node API", metadata: ["kiban.nodes.endpoint": "\(config.nodeAddress):\(config.nodePort)"])
        } catch {
            log.error(
                "cannot serve the node API on this port; free it or set node-port in kiban.yaml, then restart",
                metadata: ["kiban.nodes.endpoint": "\(config.nodeAddress):\(config.nodePort)", "kiban.nodes.error": "\(error)"])
        }
        let loop = Task { [weak self] in
            guard let self else { return }
            await self.healthLoop(store: store, monitor: monitor, logger: log)
        }
        nodes = NodeRuntime(api: api, monitor: monitor, loop: loop)
    }

    /// Stops the node API and the health loop.
    func stopNodes() async {
        guard let n = nodes else { return }
        nodes = nil
        n.loop.cancel()
        await n.api?.close()
    }

    /// Every half heartbeat interval: publishes this member's node API endpoint until it is in
    /// the store, then applies health while this member leads (and keeps no ledger otherwise).
    private func healthLoop(store: Store, monitor: HealthMonitor, logger log: Logger) async {
        var published = false
        let period = Duration.milliseconds(Int(config.nodeHeartbeatSeconds * 500))
        while !Task.isCancelled {
            if !published { published = await publishNodeEndpoint(store) }
            if await store.status.role == .leader {
                await monitor.lead(now: Date())
                do {
                    for change in try await monitor.apply(now: Date()) {
                        log.notice(
                            "machine state from health",
                            metadata: [
                                "kiban.nodes.serial": "\(change.serial)", "kiban.nodes.from": "\(change.from)",
                                "kiban.nodes.to": "\(change.change.state)", "kiban.nodes.reason": "\(change.change.reason)",
                            ])
                    }
                } catch {
                    log.warning("could not apply machine health", metadata: ["kiban.nodes.error": "\(error)"])
                }
            } else {
                await monitor.follow()
            }
            try? await Task.sleep(for: period)
        }
    }

    /// Writes `nodes/api/<member>` when it does not hold this member's endpoint; true once it does.
    private func publishNodeEndpoint(_ store: Store) async -> Bool {
        let key = NodeKeys.endpoint(memberName)
        let endpoint = config.nodeEndpoint
        do {
            if let held = try await store.get(key, consistency: .serializable), held.value == Array(endpoint.utf8) { return true }
            _ = try await store.put(key, Array(endpoint.utf8))
            return true
        } catch {
            return false
        }
    }

    /// Every member's node API endpoint, by member name (serializable: this member's view).
    func nodeEndpoints() async -> [String: String] {
        guard let store = running?.store,
            let read = try? await store.range(.prefix(Array(NodeKeys.endpointsPrefix.utf8)), consistency: .serializable)
        else { return [:] }
        var endpoints: [String: String] = [:]
        for kv in read.kvs {
            endpoints[String(decoding: kv.key.dropFirst(NodeKeys.endpointsPrefix.utf8.count), as: UTF8.self)] = String(decoding: kv.value, as: UTF8.self)
        }
        return endpoints
    }

    /// The node services of the running member.
    func nodeEnrollment() throws(ServerError) -> NodeEnrollment {
        _ = try requireStore()
        guard let running else { preconditionFailure("requireStore() returned, so a member is running") }
        var tokens = NodeTokens(store: running.store, inventory: running.inventory)
        tokens.auditMember = memberName
        return NodeEnrollment(tokens: tokens, pki: try pkiService())
    }
}

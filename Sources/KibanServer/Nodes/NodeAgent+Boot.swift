import Foundation
import KibanCA
public import KibanNodes
public import Logging

/// `kiban agent join --boot`: enrollment without an operator, from a netbooted machine's own
/// boot (docs/nodes.md, "Enrollment without an operator").
extension NodeAgent {
    /// What the boot script puts on the kernel command line for the agent: the machine's serial
    /// (`kiban.serial=`), the member's node API endpoints (`kiban.nodes=host:port,…`) and the
    /// cluster CA's fingerprint (`kiban.ca=sha256:…`). All public: the secret is asked for over
    /// TLS pinned to that CA, from the machine's own address.
    public struct BootParameters: Sendable, Hashable {
        /// The machine's serial.
        public var serial: String
        /// Node API endpoints (`host:port`).
        public var endpoints: [String]
        /// The cluster CA's fingerprint.
        public var caFingerprint: String

        /// Reads them from a kernel command line (`/proc/cmdline`); nil names what is missing.
        /// - Throws: ``ServerError`` `badRequest` naming the missing parameter.
        public init(commandLine: String) throws(ServerError) {
            var values: [String: String] = [:]
            for word in commandLine.split(whereSeparator: \.isWhitespace).prefix(512) {
                let parts = word.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].hasPrefix("kiban.") { values[String(parts[0])] = String(parts[1]) }
            }
            guard let serial = values["kiban.serial"], NodeFacts.isName(serial) else {
                throw ServerError(.badRequest, "the kernel command line has no kiban.serial= (boot this machine from Kiban, or use --token-file)")
            }
            guard let nodes = values["kiban.nodes"], let ca = values["kiban.ca"], ca.hasPrefix("sha256:") else {
                throw ServerError(.badRequest, "the kernel command line has no kiban.nodes= and kiban.ca= (the boot server's node-port is off?)")
            }
            self.serial = serial
            endpoints = nodes.split(separator: ",").prefix(16).map(String.init)
            caFingerprint = ca
        }
    }

    /// Asks a member for a boot token (``BootEnrollment``) over TLS pinned to the CA the boot
    /// named, then enrolls with it like ``join(token:serial:servers:stateDir:logger:)``.
    /// - Throws: ``ServerError`` `forbidden` (a member of another CA, or the member refused:
    ///   not this machine's address, already enrolled…), `unavailable` (no member answered).
    public static func joinFromBoot(
        _ boot: BootParameters, servers: [String], stateDir: String, logger: Logger
    ) async throws(ServerError) -> NodeEnrollment.Enrolled {
        var lastError = ServerError(.unavailable, "no member named on the kernel command line answered")
        let body: [UInt8]
        do { body = Array(try JSONEncoder().encode(["serial": boot.serial])) } catch { throw ServerError(.internal, "\(error)") }
        for endpoint in unique(servers + boot.endpoints) {
            do throws(ServerError) {
                let presented = try await NodeAPIClient.fetchCA(endpoint: endpoint)
                let caPEM: String
                do { caPEM = try JoinToken.pinCA(presentedPEM: presented, fingerprint: boot.caFingerprint).pem } catch {
                    throw ServerError(.forbidden, "the server at \(endpoint) is not of the boot's cluster (\(error.message)); nothing was asked")
                }
                let client = try NodeAPIClient(caPEM: caPEM, clusterID: nil)
                let (status, answer) = try await client.request(endpoint: endpoint, method: .POST, path: "/v1/boot-token", body: body)
                guard status == .ok else { throw refusal(status, answer, endpoint) }
                let token = try decode([String: String].self, answer, endpoint)["token"] ?? ""
                logger.notice("received a boot token", metadata: ["kiban.agent.serial": "\(boot.serial)", "kiban.agent.member": "\(endpoint)"])
                return try await join(token: token, serial: boot.serial, servers: [endpoint] + servers, stateDir: stateDir, logger: logger)
            } catch  where error.code == .unavailable {
                logger.warning(
                    "a member did not answer; trying the next", metadata: ["kiban.agent.member": "\(endpoint)", "kiban.agent.error": "\(error.message)"])
                lastError = error
            }
        }
        throw lastError
    }
}

import Foundation
import Yams

/// The local settings of one boot server (`kiban.yaml`): only what differs per host. Everything
/// else lives in the replicated store.
public struct ServerConfig: Sendable, Hashable, Codable {
    /// This member's name (unique in the cluster; the common name of its certificate).
    public var name: String
    /// The IPv4 address peers use to reach this member.
    public var advertiseAddress: String
    /// Where raft.db, state.db and tls/ live.
    public var dataDir: String
    /// The peer (Raft and join) TCP port.
    public var peerPort: Int
    /// The admin API's Unix socket.
    public var socketPath: String

    enum CodingKeys: String, CodingKey {
        case name, advertiseAddress = "advertise-address", dataDir = "data-dir", peerPort = "peer-port"
        case socketPath = "socket"
    }

    /// The defaults: the host name, 127.0.0.1, /var/lib/kiban, 10090, /run/kiban/kiban.sock.
    public init() {
        name = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "kiban"
        advertiseAddress = "127.0.0.1"
        dataDir = "/var/lib/kiban"
        peerPort = 10090
        socketPath = "/run/kiban/kiban.sock"
    }

    /// Reads `path` over the defaults; a missing file means all defaults when `required` is false.
    /// - Throws: ``ServerError`` `config` naming the file and the problem.
    public static func load(path: String, required: Bool) throws(ServerError) -> ServerConfig {
        var config = ServerConfig()
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ServerError(.config, "no configuration file at \(path); create it or drop --config") }
            return config
        }
        let text: String
        let node: Node?
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
            node = try Yams.compose(yaml: text)
        } catch {
            throw ServerError(.config, "\(path) is not valid YAML: \(error)")
        }
        guard let map = node?.mapping else { return config }
        for (key, value) in map {
            guard let k = key.string, let v = value.string else { continue }
            switch k {
            case "name": config.name = v
            case "advertise-address": config.advertiseAddress = v
            case "data-dir": config.dataDir = v
            case "socket": config.socketPath = v
            case "peer-port":
                guard let port = Int(v), (1...65535).contains(port) else {
                    throw ServerError(.config, "\(path): peer-port must be a number from 1 to 65535")
                }
                config.peerPort = port
            default: throw ServerError(.config, "\(path): unknown setting \(k) (known: name, advertise-address, data-dir, peer-port, socket)")
            }
        }
        return config
    }

    /// `address:port` of this member's peer endpoint.
    public var peerEndpoint: String { "\(advertiseAddress):\(peerPort)" }

    /// The advertise address as 4 bytes, for the certificate's IP SAN.
    var advertiseIPv4: [UInt8]? {
        let parts = advertiseAddress.split(separator: ".").compactMap { UInt8($0) }
        return parts.count == 4 ? parts : nil
    }
}

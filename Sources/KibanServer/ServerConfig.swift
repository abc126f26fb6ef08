import Foundation
public import KibanNetboot
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
    /// The HTTP boot port (iPXE binaries and scripts, kernels, initrds, rendered configuration).
    public var httpPort: Int
    /// The DHCP server port (67; `kiban dev` and tests use an unprivileged one).
    public var dhcpPort: Int
    /// The address the DHCP server binds: 0.0.0.0 (default) serves every interface, which
    /// clients on a directly attached L2 need; one address serves only relays sending to it.
    public var dhcpAddress: String
    /// The TFTP port (69) for legacy PXE firmware.
    public var tftpPort: Int
    /// The metrics port (10081, like sabakan's): Prometheus text at `/metrics`, the read-only
    /// status page at `/`.
    public var metricsPort: Int
    /// The address the metrics port binds: 0.0.0.0 (default) for a Prometheus elsewhere;
    /// 127.0.0.1 keeps the page and the metrics on this host.
    public var metricsAddress: String
    /// The node API port (10443): agents enroll and report over HTTPS (docs/nodes.md).
    public var nodePort: Int
    /// The address the node API binds: 0.0.0.0 (default) for agents on any network.
    public var nodeAddress: String
    /// How often agents report, in seconds (`node-heartbeat-seconds`, default 5); a machine
    /// is `unreachable` after three intervals of silence. Set it alike on every member.
    public var nodeHeartbeatSeconds: Double
    /// Applied entries between snapshots of the state, after which the log before the snapshot
    /// is dropped (etcd's `--snapshot-count`). A follower further behind receives the snapshot.
    public var snapshotCount: UInt64
    /// Where the iPXE binaries served over HTTP and TFTP are (Debian's `ipxe` package).
    public var ipxeDirectory: String
    /// `blob-quota`: the most bytes of blobs (images, assets) this member holds; nil: none.
    /// Local, like the floor, because disks differ per member (docs/netboot.md).
    public var blobQuotaBytes: UInt64?
    /// `blob-free-space-floor`: free space blobs leave on the data directory's disk for the store.
    public var blobFreeSpaceFloor: BlobSpaceLimits.Floor

    /// Both blob settings together.
    public var blobLimits: BlobSpaceLimits { BlobSpaceLimits(quotaBytes: blobQuotaBytes, floor: blobFreeSpaceFloor) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, advertiseAddress = "advertise-address", dataDir = "data-dir", peerPort = "peer-port"
        case socketPath = "socket", httpPort = "http-port", dhcpPort = "dhcp-port", tftpPort = "tftp-port"
        case snapshotCount = "snapshot-count"
        case metricsPort = "metrics-port", metricsAddress = "metrics-address"
        case nodePort = "node-port", nodeAddress = "node-address", nodeHeartbeatSeconds = "node-heartbeat-seconds"
        case dhcpAddress = "dhcp-address"
        case ipxeDirectory = "ipxe-dir"
        case blobQuotaBytes = "blob-quota", blobFreeSpaceFloor = "blob-free-space-floor"
    }

    /// The defaults: the host name, 127.0.0.1, /var/lib/kiban, peer port 10090,
    /// /run/kiban/kiban.sock, HTTP 10080, DHCP 67, TFTP 69, metrics 10081 on 0.0.0.0, the node
    /// API on 10443 with a heartbeat every 5 s, a snapshot every 100,000 entries.
    public init() {
        name = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "kiban"
        advertiseAddress = "127.0.0.1"
        dataDir = "/var/lib/kiban"
        peerPort = 10090
        socketPath = "/run/kiban/kiban.sock"
        httpPort = 10080
        dhcpPort = 67
        dhcpAddress = "0.0.0.0"
        tftpPort = 69
        metricsPort = 10081
        metricsAddress = "0.0.0.0"
        nodePort = 10443
        nodeAddress = "0.0.0.0"
        nodeHeartbeatSeconds = 5
        snapshotCount = 100_000
        ipxeDirectory = "/usr/lib/ipxe"
        blobQuotaBytes = nil
        blobFreeSpaceFloor = BlobSpaceLimits.defaultFloor
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
            case "peer-port": config.peerPort = try port(k, v, path)
            case "http-port": config.httpPort = try port(k, v, path)
            case "dhcp-port": config.dhcpPort = try port(k, v, path)
            case "tftp-port": config.tftpPort = try port(k, v, path)
            case "metrics-port": config.metricsPort = try port(k, v, path)
            case "metrics-address": config.metricsAddress = v
            case "node-port": config.nodePort = try port(k, v, path)
            case "node-address": config.nodeAddress = v
            case "node-heartbeat-seconds":
                guard let n = Double(v), n.isFinite, (1...300).contains(n) else {
                    throw ServerError(.config, "\(path): node-heartbeat-seconds must be a number of seconds from 1 to 300")
                }
                config.nodeHeartbeatSeconds = n
            case "snapshot-count":
                guard let n = UInt64(v), n >= 10 else { throw ServerError(.config, "\(path): snapshot-count must be a whole number of at least 10") }
                config.snapshotCount = n
            case "dhcp-address": config.dhcpAddress = v
            case "ipxe-dir": config.ipxeDirectory = v
            case "blob-quota": config.blobQuotaBytes = v == "none" ? nil : try SizeSetting.bytes(k, v, path)
            case "blob-free-space-floor": config.blobFreeSpaceFloor = try SizeSetting.floor(k, v, path)
            default:
                let known = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
                throw ServerError(.config, "\(path): unknown setting \(k) (known: \(known))")
            }
        }
        return config
    }

    private static func port(_ key: String, _ value: String, _ path: String) throws(ServerError) -> Int {
        guard let port = Int(value), (1...65535).contains(port) else {
            throw ServerError(.config, "\(path): \(key) must be a number from 1 to 65535")
        }
        return port
    }

    /// `address:port` agents reach this member's node API at.
    public var nodeEndpoint: String { "\(advertiseAddress):\(nodePort)" }

    /// `address:port` of this member's peer endpoint.
    public var peerEndpoint: String { "\(advertiseAddress):\(peerPort)" }

    /// The advertise address as 4 bytes, for the certificate's IP SAN.
    var advertiseIPv4: [UInt8]? {
        let parts = advertiseAddress.split(separator: ".").compactMap { UInt8($0) }
        return parts.count == 4 ? parts : nil
    }
}

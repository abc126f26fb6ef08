import Foundation
import KibanNodes
public import Logging

extension NodeAgent {
    /// What `kiban agent crypt` does to each device.
    public enum CryptAction: String, Sendable {
        /// Format a device that is not LUKS yet (key escrowed first), then open it.
        case setup
        /// Open a LUKS device with its escrowed key (at boot).
        case open
        /// Check that the escrowed key opens the device, without mapping it.
        case check
    }

    /// A device as the agent names it: its path and the name its key is escrowed under (also
    /// the mapping's, `crypt-NAME`). `sdb` and `/dev/sdb` are `sdb`;
    /// `/dev/disk/by-path/pci-0000:3b:00.0-nvme-1` is `by-path-pci-0000:3b:00.0-nvme-1`.
    public struct Volume: Sendable, Hashable {
        /// The device's path.
        public var path: String
        /// The name of its key and mapping.
        public var name: String

        /// The volume `argument` names.
        /// - Throws: ``ServerError`` `badRequest` for anything but a device under `/dev`.
        public init(_ argument: String) throws(ServerError) {
            let parts = argument.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            switch parts.count {
            case 1: (path, name) = ("/dev/" + argument, argument)
            case 3 where parts[0].isEmpty && parts[1] == "dev": (path, name) = (argument, parts[2])
            case 5 where parts[0].isEmpty && parts[1] == "dev" && parts[2] == "disk" && parts[3].hasPrefix("by-"):
                (path, name) = (argument, parts[3] + "-" + parts[4])
            default: throw ServerError(.badRequest, "\(argument) is not a device under /dev (sdb, /dev/nvme0n1, /dev/disk/by-path/…)")
            }
            guard DiskKeyEscrow.isDeviceName(name), name.utf8.count <= 120 else {
                throw ServerError(.badRequest, "\(argument): a device name is 1 to 120 letters, digits, '.', '_', '-' or ':'")
            }
        }

        /// The device-mapper name it is opened as.
        public var mapping: String { "crypt-" + name }
    }

    /// `kiban agent crypt setup|open|check DEVICE…` (docs/nodes.md, "Encrypted disks"): for
    /// each device in turn, with the key escrowed in the cluster for this machine (the node
    /// certificate in `stateDir` names it). Keys stay in memory: they reach `cryptsetup` on its
    /// standard input only.
    /// - Returns: one line per device saying what was done.
    /// - Throws: ``ServerError`` for the first device that failed (those before it are done).
    public static func crypt(_ action: CryptAction, _ arguments: [String], stateDir: String, servers: [String], logger: Logger) async throws(ServerError)
        -> [String]
    {
        let volumes = try arguments.map { argument throws(ServerError) in try Volume(argument) }
        let state = try AgentState.load(stateDir)
        let client = try NodeAPIClient(
            caPEM: state.caPEM, clusterID: state.cluster, certificatePEM: state.certificatePEM, chainPEM: state.chainPEM, keyPEM: state.keyPEM)
        var session = AgentSession(members: unique(servers + state.members))
        let cryptsetup = try Cryptsetup.find()
        var done: [String] = []
        for volume in volumes {
            let line = try await crypt(action, volume, cryptsetup: cryptsetup, client: client, session: &session)
            logger.notice("\(line)", metadata: ["kiban.agent.device": "\(volume.path)"])
            done.append(line)
        }
        return done
    }

    private static func crypt(
        _ action: CryptAction, _ volume: Volume, cryptsetup: Cryptsetup, client: NodeAPIClient, session: inout AgentSession
    ) async throws(ServerError) -> String {
        var info = stat()
        guard stat(volume.path, &info) == 0 else { throw ServerError(.notFound, "device \(volume.path) does not exist") }
        guard info.st_mode & S_IFMT == S_IFBLK else { throw ServerError(.badRequest, "\(volume.path) is not a block device") }
        let mapped = "/dev/mapper/" + volume.mapping
        if action != .check && FileManager.default.fileExists(atPath: mapped) { return "\(volume.path) is already open as \(mapped)" }
        if await cryptsetup.isLUKS(volume.path) {
            guard let key = try await escrowedKey(volume, client: client, session: &session) else {
                throw ServerError(
                    .notFound,
                    "\(volume.path) is LUKS but no key is escrowed for \(volume.name) of this machine: it was not set up by kiban; nothing was changed")
            }
            if action == .check {
                try await cryptsetup.test(volume.path, key: key)
                return "the escrowed key opens \(volume.path)"
            }
            try await cryptsetup.open(volume.path, as: volume.mapping, key: key)
            return "opened \(volume.path) as \(mapped)"
        }
        guard action == .setup else {
            throw ServerError(.conflict, "\(volume.path) is not a LUKS volume; kiban agent crypt setup formats it (erasing it)")
        }
        // Escrow first: a volume formatted with a key the cluster does not hold could never be
        // opened again. A key escrowed by an interrupted setup is reused.
        var key = try await escrowedKey(volume, client: client, session: &session)
        if key == nil {
            var generator = SystemRandomNumberGenerator()
            let fresh = (0..<64).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            _ = try await session.send(client, .PUT, "/v1/crypts/\(volume.name)", VolumeKeyBody(key: fresh))
            // Read back what the cluster holds: if another setup escrowed first, its key wins.
            key = try await escrowedKey(volume, client: client, session: &session)
        }
        guard let key else { throw ServerError(.unavailable, "the cluster did not keep the key of \(volume.name); nothing was formatted") }
        try await cryptsetup.format(volume.path, key: key)
        try await cryptsetup.open(volume.path, as: volume.mapping, key: key)
        return "formatted \(volume.path) (LUKS2, key escrowed) and opened it as \(mapped)"
    }

    /// The key escrowed for `volume`, or nil when there is none.
    private static func escrowedKey(_ volume: Volume, client: NodeAPIClient, session: inout AgentSession) async throws(ServerError) -> [UInt8]? {
        do {
            let body = try await session.send(client, .GET, "/v1/crypts/\(volume.name)", [String: String]())
            return try decode(VolumeKeyBody.self, body, "a member").key
        } catch  where error.code == .notFound {
            return nil
        }
    }
}

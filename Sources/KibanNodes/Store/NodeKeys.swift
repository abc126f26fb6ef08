/// Where the node subsystem keeps its records in the store (docs/schema.md).
///
/// - `nodes/facts/<serial>`: the latest ``NodeFacts`` an agent reported (JSON)
/// - `nodes/checks/<role>`: the ``HealthCheck`` list of a role (JSON)
/// - `/kiban/nodes/disk-keys/<serial>/<device>`: a disk's LUKS volume key, sealed under the
///   cluster's key-encryption key (``DiskKeyRecord``); under `/kiban/`, which the admin kv API
///   neither reads nor writes
/// - `/kiban/nodes/tokens/<id>`: an unused node token, only the hash of its secret
///   (``NodeTokenRecord``)
/// - `/kiban/nodes/enrolled/<serial>`: the node certificate a machine enrolled with
///   (``EnrollmentPolicy/Issued``); a request is authenticated by this certificate only
/// - `/kiban/nodes/operations/<serial>/<id>`: an operation for the machine's agent and its
///   result (``OperationRecord``); written only by members (``NodeOperations``), read by the
///   machine over the node API
/// - `/kiban/nodes/boot/<serial>`: the last boot token minted for a machine
///   (``BootEnrollment/Minted``: its identifier, when, for which address)
/// - `nodes/api/<member>`: a member's node API endpoint (`host:port`), for agents to learn
public enum NodeKeys {
    /// The prefix of every machine's facts.
    public static let factsPrefix = "nodes/facts/"
    /// The prefix of every role's checks.
    public static let checksPrefix = "nodes/checks/"
    /// The prefix of every disk key.
    public static let diskKeysPrefix = "/kiban/nodes/disk-keys/"

    /// The prefix of every unused node token.
    public static let tokensPrefix = "/kiban/nodes/tokens/"
    /// The prefix of every machine's enrolled certificate.
    public static let enrolledPrefix = "/kiban/nodes/enrolled/"
    /// The prefix of every machine's operations.
    public static let operationsPrefix = "/kiban/nodes/operations/"
    /// The prefix of every machine's last boot token record.
    public static let bootPrefix = "/kiban/nodes/boot/"
    /// The prefix of every member's node API endpoint.
    public static let endpointsPrefix = "nodes/api/"

    /// The token with identifier `id`.
    public static func token(_ id: String) -> [UInt8] { Array((tokensPrefix + id).utf8) }
    /// The certificate `serial` enrolled with.
    public static func enrolled(_ serial: String) -> [UInt8] { Array((enrolledPrefix + serial).utf8) }
    /// The last boot token minted for `serial`.
    public static func boot(_ serial: String) -> [UInt8] { Array((bootPrefix + serial).utf8) }
    /// The node API endpoint of member `name`.
    public static func endpoint(_ name: String) -> [UInt8] { Array((endpointsPrefix + name).utf8) }
    /// The facts of `serial`.
    public static func facts(_ serial: String) -> [UInt8] { Array((factsPrefix + serial).utf8) }
    /// The checks of `role`.
    public static func checks(_ role: String) -> [UInt8] { Array((checksPrefix + role).utf8) }
    /// The prefix of `serial`'s disk keys.
    public static func diskKeys(_ serial: String) -> [UInt8] { Array((diskKeysPrefix + serial + "/").utf8) }
    /// The key of one disk of `serial`.
    public static func diskKey(_ serial: String, _ device: String) -> [UInt8] { diskKeys(serial) + Array(device.utf8) }
    /// The prefix of `serial`'s operations.
    public static func operations(_ serial: String) -> [UInt8] { Array((operationsPrefix + serial + "/").utf8) }
    /// The operation `id` of `serial`.
    public static func operation(_ serial: String, _ id: String) -> [UInt8] { operations(serial) + Array(id.utf8) }
}

public import Foundation

/// What an operator registers for a machine: sabakan's `MachineSpec` input fields, so that a
/// sabakan machines file (`sabactl machines create -f`) is accepted as it is.
public struct MachineRegistration: Sendable, Hashable, Codable {
    /// SMBIOS serial number: the machine's identity.
    public var serial: String
    /// Free-form labels.
    public var labels: [String: String]
    /// Logical rack number.
    public var rack: Int
    /// Role, e.g. `boot`, `cs`, `ss`.
    public var role: String
    /// BMC type, e.g. `IPMI-2.0`, `iDRAC-9`.
    public var bmcType: String
    /// When the machine is due to retire, if known.
    public var retireDate: Date?

    enum CodingKeys: String, CodingKey {
        case serial, labels, rack, role, bmc
        case retireDate = "retire-date"
    }

    struct BMC: Codable {
        var type: String
    }

    /// Creates a registration.
    public init(
        serial: String, labels: [String: String] = [:], rack: Int, role: String,
        bmcType: String, retireDate: Date? = nil
    ) {
        self.serial = serial
        self.labels = labels
        self.rack = rack
        self.role = role
        self.bmcType = bmcType
        self.retireDate = retireDate
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serial = try c.decode(String.self, forKey: .serial)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        rack = try c.decode(Int.self, forKey: .rack)
        role = try c.decode(String.self, forKey: .role)
        bmcType = try c.decode(BMC.self, forKey: .bmc).type
        retireDate = try c.decodeIfPresent(Date.self, forKey: .retireDate)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(serial, forKey: .serial)
        try c.encode(labels, forKey: .labels)
        try c.encode(rack, forKey: .rack)
        try c.encode(role, forKey: .role)
        try c.encode(BMC(type: bmcType), forKey: .bmc)
        try c.encodeIfPresent(retireDate, forKey: .retireDate)
    }
}

/// A registered machine: what was registered, the index assigned to it, the addresses computed
/// from the IPAM configuration, and its lifecycle state.
public struct Machine: Sendable, Hashable, Codable {
    /// The registered fields.
    public var registration: MachineRegistration
    /// Position in the rack, assigned at registration.
    public var indexInRack: Int
    /// Operating-system addresses, computed.
    public var ipv4: [IPv4]
    /// BMC address, computed.
    public var bmcIPv4: IPv4
    /// When it was registered.
    public var registerDate: Date
    /// Lifecycle state.
    public var state: MachineState
    /// When the machine entered ``state``.
    public var stateTimestamp: Date

    /// The serial number.
    public var serial: String { registration.serial }

    /// Creates a machine record (the inventory service makes these at registration; other
    /// modules' tests make them directly).
    public init(
        registration: MachineRegistration, indexInRack: Int, ipv4: [IPv4], bmcIPv4: IPv4, registerDate: Date,
        state: MachineState, stateTimestamp: Date
    ) {
        self.registration = registration
        self.indexInRack = indexInRack
        self.ipv4 = ipv4
        self.bmcIPv4 = bmcIPv4
        self.registerDate = registerDate
        self.state = state
        self.stateTimestamp = stateTimestamp
    }
}

public import Foundation

/// A machine as sabakan prints it (`GET machines`, docs/machine.md): `spec`, `status` and
/// `info`, so scripts written for `sabactl machines get` read `kiban machines get -o json`.
public struct MachineDocument: Sendable, Hashable, Codable {
    /// What was registered and assigned.
    public var spec: Spec
    /// The lifecycle state.
    public var status: Status
    /// Addresses with their netmasks and gateways.
    public var info: Info

    /// sabakan's `MachineSpec`.
    public struct Spec: Sendable, Hashable, Codable {
        /// SMBIOS serial.
        public var serial: String
        /// Labels.
        public var labels: [String: String]
        /// Logical rack number.
        public var rack: Int
        /// Assigned index in the rack.
        public var indexInRack: Int
        /// Role.
        public var role: String
        /// Node addresses.
        public var ipv4: [String]
        /// Always empty: IPv6 is not planned yet (sabakan prints it too).
        public var ipv6: [String]
        /// When it was registered.
        public var registerDate: Date
        /// When it is due to retire.
        public var retireDate: Date?
        /// BMC type and address.
        public var bmc: BMC

        enum CodingKeys: String, CodingKey {
            case serial, labels, rack, role, ipv4, ipv6, bmc
            case indexInRack = "index-in-rack", registerDate = "register-date", retireDate = "retire-date"
        }
    }

    /// The BMC part of a spec.
    public struct BMC: Sendable, Hashable, Codable {
        /// BMC type.
        public var type: String
        /// BMC address.
        public var ipv4: String
        /// Always empty.
        public var ipv6: String
    }

    /// sabakan's `MachineStatus`: `duration` is seconds in the state, as of when it was printed.
    public struct Status: Sendable, Hashable, Codable {
        /// The state.
        public var state: MachineState
        /// When the state was entered.
        public var timestamp: Date
        /// Seconds since then.
        public var duration: Double
    }

    /// sabakan's `MachineInfo`.
    public struct Info: Sendable, Hashable, Codable {
        /// Node interfaces.
        public var network: Network
        /// BMC interface.
        public var bmc: NICInfoHolder
    }

    /// The node's interfaces.
    public struct Network: Sendable, Hashable, Codable {
        /// One per node address.
        public var ipv4: [NICConfig]
    }

    /// The BMC's interface.
    public struct NICInfoHolder: Sendable, Hashable, Codable {
        /// The BMC address.
        public var ipv4: NICConfig
    }

    /// One address with its subnet and gateway.
    public struct NICConfig: Sendable, Hashable, Codable {
        /// The address.
        public var address: String
        /// Its netmask, dotted.
        public var netmask: String
        /// Its prefix length.
        public var maskbits: Int
        /// The subnet gateway.
        public var gateway: String
    }

    /// The document of `machine`, with addresses from `ipam`, as of `now`.
    public init(_ m: Machine, ipam: IPAMConfig, now: Date) {
        let r = m.registration
        spec = Spec(
            serial: r.serial, labels: r.labels, rack: r.rack, indexInRack: m.indexInRack, role: r.role,
            ipv4: m.ipv4.map(\.description), ipv6: [], registerDate: m.registerDate, retireDate: r.retireDate,
            bmc: BMC(type: r.bmcType, ipv4: m.bmcIPv4.description, ipv6: ""))
        status = Status(
            state: m.state, timestamp: m.stateTimestamp,
            duration: max(0, now.timeIntervalSince(m.stateTimestamp)))
        let nic = { (a: IPv4, bits: Int, gw: IPv4) in
            NICConfig(
                address: a.description, netmask: IPv4(IPv4.mask(prefix: bits)).description,
                maskbits: bits, gateway: gw.description)
        }
        info = Info(
            network: Network(ipv4: m.ipv4.map { nic($0, ipam.nodeIPv4RangeMask, ipam.nodeGateway(of: $0)) }),
            bmc: NICInfoHolder(ipv4: nic(m.bmcIPv4, ipam.bmcIPv4RangeMask, ipam.bmcGateway(of: m.bmcIPv4))))
    }
}

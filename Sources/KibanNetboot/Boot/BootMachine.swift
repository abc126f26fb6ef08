/// A machine as the boot server sees it: what its iPXE script and rendered configuration need.
/// The daemon builds it from the inventory (this module does not depend on it).
public struct BootMachine: Sendable, Hashable, Codable {
    /// SMBIOS serial number (`${serial}` in iPXE).
    public var serial: String
    public var rack: Int
    /// Index in the rack.
    public var index: Int
    public var role: String
    /// Lifecycle state (`healthy`, `retired`, …).
    public var state: String
    /// Operating-system addresses, dotted quads.
    public var addresses: [String]
    /// The gateway of each address, in the same order.
    public var gateways: [String]
    /// The BMC's address.
    public var bmcAddress: String
    public var labels: [String: String]

    public init(
        serial: String, rack: Int, index: Int, role: String, state: String, addresses: [String],
        gateways: [String], bmcAddress: String, labels: [String: String]
    ) {
        self.serial = serial
        self.rack = rack
        self.index = index
        self.role = role
        self.state = state
        self.addresses = addresses
        self.gateways = gateways
        self.bmcAddress = bmcAddress
        self.labels = labels
    }

    /// A retired machine must not boot: its script says so and exits (sabakan refuses it too).
    public var mayBoot: Bool { state != "retired" }
}

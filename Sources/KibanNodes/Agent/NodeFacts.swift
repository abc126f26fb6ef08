/// What an agent reports about its machine at enrollment and whenever it changes: the SMBIOS
/// serial, network interfaces, disks, kernel, OS release and agent version. Bounded: a report
/// past ``problems``' limits is refused before it reaches the store.
public struct NodeFacts: Sendable, Hashable, Codable {
    /// A network interface.
    public struct NIC: Sendable, Hashable, Codable {
        /// The kernel's name for it (`eno1`).
        public var name: String
        /// Its MAC address, lower-case, colon-separated.
        public var mac: String

        /// Creates an interface.
        public init(name: String, mac: String) {
            self.name = name
            self.mac = mac
        }
    }

    /// A block device.
    public struct Disk: Sendable, Hashable, Codable {
        /// The kernel's name for it (`nvme0n1`).
        public var name: String
        /// Its size in bytes.
        public var bytes: UInt64

        /// Creates a disk.
        public init(name: String, bytes: UInt64) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The SMBIOS system serial number (DMI `product_serial`).
    public var serial: String
    /// Network interfaces.
    public var nics: [NIC]
    /// Block devices.
    public var disks: [Disk]
    /// `uname -r`.
    public var kernel: String
    /// `PRETTY_NAME` of `/etc/os-release`.
    public var osRelease: String
    /// The agent's version.
    public var agentVersion: String

    /// Creates a report.
    public init(
        serial: String, nics: [NIC] = [], disks: [Disk] = [], kernel: String = "", osRelease: String = "",
        agentVersion: String = ""
    ) {
        self.serial = serial
        self.nics = nics
        self.disks = disks
        self.kernel = kernel
        self.osRelease = osRelease
        self.agentVersion = agentVersion
    }

    /// Limits of one report.
    public static let nicsMax = 64, disksMax = 256, textMax = 256

    /// Every reason the report is refused; empty when it is acceptable.
    public var problems: [String] {
        var p: [String] = []
        if !Self.isName(serial) { p.append("serial must be 1 to 64 letters, digits, '.', '_' or '-'") }
        if nics.count > Self.nicsMax { p.append("at most \(Self.nicsMax) network interfaces") }
        if disks.count > Self.disksMax { p.append("at most \(Self.disksMax) disks") }
        for nic in nics.prefix(Self.nicsMax) {
            if !Self.isText(nic.name, max: 32) { p.append("interface name '\(nic.name.prefix(32))' is empty, too long or not printable") }
            if !Self.isMAC(nic.mac) { p.append("interface \(nic.name.prefix(32)): '\(nic.mac.prefix(32))' is not a MAC address (aa:bb:cc:dd:ee:ff)") }
        }
        for disk in disks.prefix(Self.disksMax) where !Self.isText(disk.name, max: 64) {
            p.append("disk name '\(disk.name.prefix(64))' is empty, too long or not printable")
        }
        for (field, value) in [("kernel", kernel), ("os-release", osRelease), ("agent-version", agentVersion)]
        where !value.isEmpty && !Self.isText(value, max: Self.textMax) {
            p.append("\(field) is longer than \(Self.textMax) bytes or not printable")
        }
        return p
    }

    /// 1 to 64 of `[A-Za-z0-9._-]`, not `.` or `..`: the serials, roles, check names, operation ids
    /// and user and group names of this module (each ends a store key or names a file).
    public static func isName(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s != "." && s != ".."
            && s.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func isText(_ s: String, max: Int) -> Bool {
        (1...max).contains(s.utf8.count) && s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7f }
    }

    static func isMAC(_ s: String) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.utf8.count == 2 && $0.utf8.allSatisfy(\.isLowerHexDigit) }
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }

    var isLowerHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }
}

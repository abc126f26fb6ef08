import Foundation

/// What `kiban agent run` reports about its machine, read from the kernel: the DMI serial
/// (`/sys/class/dmi/id/product_serial`), interfaces and MACs (`/sys/class/net`), disks
/// (`/sys/block`), the kernel release (`uname`), `PRETTY_NAME` of `/etc/os-release`. Every
/// path is under ``root`` (`/` on a machine; a directory tree in tests). The result is cut to
/// ``NodeFacts``' limits, so that it is never refused for its size.
public struct FactCollector: Sendable {
    /// The directory the paths are read under.
    public var root: String
    /// The serial to report instead of DMI's (tests, machines whose DMI serial is empty).
    public var serialOverride: String?
    /// The agent's version.
    public var agentVersion: String

    /// A collector reading under `root`.
    public init(root: String = "/", serialOverride: String? = nil, agentVersion: String) {
        self.root = root
        self.serialOverride = serialOverride
        self.agentVersion = agentVersion
    }

    /// The machine's serial: the override, else DMI's; nil when neither names one.
    public var serial: String? {
        let serial = serialOverride ?? read("sys/class/dmi/id/product_serial")?.trimmingCharacters(in: .whitespacesAndNewlines)
        return serial.flatMap { NodeFacts.isName($0) ? $0 : nil }
    }

    /// The facts now, for `serial`.
    public func collect(serial: String) -> NodeFacts {
        NodeFacts(
            serial: serial, nics: nics(), disks: disks(), kernel: Self.fit(kernel), osRelease: Self.fit(osRelease),
            agentVersion: Self.fit(agentVersion))
    }

    /// Interfaces with a MAC address (loopback and tunnels have none), by name.
    func nics() -> [NodeFacts.NIC] {
        entries("sys/class/net").compactMap { name -> NodeFacts.NIC? in
            guard let mac = read("sys/class/net/\(name)/address")?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(),
                NodeFacts.isMAC(mac), mac != "00:00:00:00:00:00", NodeFacts.isText(name, max: 32)
            else { return nil }
            return NodeFacts.NIC(name: name, mac: mac)
        }.prefix(NodeFacts.nicsMax).map { $0 }
    }

    /// Block devices that are disks (not loop, RAM or device-mapper devices), with their size.
    func disks() -> [NodeFacts.Disk] {
        entries("sys/block").filter { !["loop", "ram", "zram", "dm-", "sr"].contains(where: $0.hasPrefix) }.compactMap { name in
            guard NodeFacts.isText(name, max: 64),
                let sectors = read("sys/block/\(name)/size").flatMap({ UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
            else { return nil }
            return NodeFacts.Disk(name: name, bytes: sectors.multipliedReportingOverflow(by: 512).partialValue)
        }.prefix(NodeFacts.disksMax).map { $0 }
    }

    /// `uname -r`.
    var kernel: String {
        var name = utsname()
        guard uname(&name) == 0 else { return "" }
        return withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// `PRETTY_NAME` of `/etc/os-release`, unquoted.
    var osRelease: String {
        guard let text = read("etc/os-release") else { return "" }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return ""
    }

    /// Printable text cut to ``NodeFacts/textMax`` bytes (empty when it holds control characters).
    static func fit(_ text: String) -> String {
        let cut = String(decoding: text.utf8.prefix(NodeFacts.textMax), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return cut.isEmpty || NodeFacts.isText(cut, max: NodeFacts.textMax) ? cut : ""
    }

    private func path(_ relative: String) -> String { (root.hasSuffix("/") ? root : root + "/") + relative }

    private func read(_ relative: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(relative)), data.count <= 64 * 1024 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private func entries(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(relative))) ?? []).sorted()
    }
}

import Foundation
import KibanTestSupport

/// One network namespace per member, each joined by a veth pair to a bridge in a switch
/// namespace, so that a member can be cut off the way a cable or a firewall would cut it.
/// Names carry the test process's pid and a random suffix; ``destroy()`` removes everything,
/// and a new lab first removes labs left by test processes that no longer exist.
final class NetworkLab: Sendable {
    /// How a member is cut off.
    enum Cut: String, CaseIterable, Sendable {
        /// `ip link set down` on the member's port of the bridge.
        case linkDown = "link down"
        /// iptables DROP of everything in and out of the member's interface.
        case iptablesDrop = "iptables DROP"
    }

    static let namePrefix = "kbj"
    let tag: String
    let size: Int

    var switchNamespace: String { tag + "-sw" }
    func namespace(_ member: Int) -> String { "\(tag)-m\(member)" }
    func address(_ member: Int) -> String { "10.77.0.\(10 + member)" }

    private init(tag: String, size: Int) {
        self.tag = tag
        self.size = size
    }

    /// Creates the switch and `size` member namespaces (members numbered from 1).
    static func create(size: Int) throws -> NetworkLab {
        removeOrphans()
        let lab = NetworkLab(tag: "\(namePrefix)\(getpid())x\(String(UInt16.random(in: .min ... .max), radix: 16))", size: size)
        do {
            let sw = lab.switchNamespace
            try ip("netns", "add", sw)
            try ip("-n", sw, "link", "add", "br0", "type", "bridge")
            try ip("-n", sw, "link", "set", "br0", "up")
            for m in 1...size {
                let ns = lab.namespace(m)
                try ip("netns", "add", ns)
                try ip("-n", sw, "link", "add", "p\(m)", "type", "veth", "peer", "name", "eth0", "netns", ns)
                try ip("-n", sw, "link", "set", "p\(m)", "master", "br0", "up")
                try ip("-n", ns, "addr", "add", lab.address(m) + "/24", "dev", "eth0")
                try ip("-n", ns, "link", "set", "eth0", "up")
                try ip("-n", ns, "link", "set", "lo", "up")
            }
        } catch {
            lab.destroy()
            throw error
        }
        return lab
    }

    /// Cuts `member` off from every other member.
    func cut(_ member: Int, by cut: Cut) throws { try set(member, cut, cutOff: true) }

    /// Undoes ``cut(_:by:)``.
    func heal(_ member: Int, from cut: Cut) throws { try set(member, cut, cutOff: false) }

    private func set(_ member: Int, _ cut: Cut, cutOff: Bool) throws {
        switch cut {
        case .linkDown: try Self.ip("-n", switchNamespace, "link", "set", "p\(member)", cutOff ? "down" : "up")
        case .iptablesDrop:
            for (chain, direction) in [("INPUT", "-i"), ("OUTPUT", "-o")] {
                try Self.ip("netns", "exec", namespace(member), "iptables", cutOff ? "-I" : "-D", chain, direction, "eth0", "-j", "DROP")
            }
        }
    }

    /// Deletes every namespace of the lab (the veth pairs and rules go with them). Stop the
    /// processes inside first.
    func destroy() {
        for m in 1...size { _ = try? Self.ip("netns", "delete", namespace(m)) }
        _ = try? Self.ip("netns", "delete", switchNamespace)
    }

    /// Namespaces named by this helper whose test process is gone (it was killed mid-test).
    static func removeOrphans() {
        let list = (try? ip("netns", "list")) ?? ""
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(namePrefix), let x = name.firstIndex(of: "x"),
                let pid = Int32(name[name.index(name.startIndex, offsetBy: namePrefix.count)..<x]),
                pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? ip("netns", "delete", name)
        }
    }

    /// Runs `ip ARGS`; throws with its error output when it fails.
    @discardableResult
    static func ip(_ args: String...) throws -> String {
        let result = try runBlocking(["/usr/sbin/ip"] + args)
        guard result.status == 0 else { throw TestFailure("ip \(args.joined(separator: " ")) failed: \(result.stderr)") }
        return result.text
    }

    /// Why namespace tests cannot run here, or nil when they can.
    static var unavailableReason: String? {
        if getuid() != 0 { return "needs root for network namespaces (ip netns, iptables)" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables") { return "needs iptables (apt-get install iptables)" }
        return nil
    }
}

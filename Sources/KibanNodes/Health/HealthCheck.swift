/// One check an agent runs for its role at every heartbeat: exactly one of a systemd unit that
/// must be active, a path that must exist (a disk: `/dev/disk/by-path/…`), or a command that must
/// exit 0 within its timeout.
///
/// ```yaml
/// - {name: kubelet, unit: kubelet.service}
/// - {name: data-disk, path: /dev/disk/by-id/nvme-eui.0001}
/// - {name: ntp, command: [chronyc, waitsync, "1"], timeout-seconds: 5}
/// ```
public struct HealthCheck: Sendable, Hashable, Codable {
    /// The name reported back and shown in a machine's reason for `unhealthy`.
    public var name: String
    /// A systemd unit that must be active.
    public var unit: String?
    /// An absolute path that must exist.
    public var path: String?
    /// A command (argv, no shell) that must exit 0.
    public var command: [String]?
    /// The command's time limit in seconds (1 to 60; default 10).
    public var timeoutSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case name, unit, path, command, timeoutSeconds = "timeout-seconds"
    }

    /// Creates a check; give exactly one of `unit`, `path`, `command`.
    public init(name: String, unit: String? = nil, path: String? = nil, command: [String]? = nil, timeoutSeconds: Int? = nil) {
        self.name = name
        self.unit = unit
        self.path = path
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }

    /// At most this many checks per role.
    public static let perRoleMax = 32

    /// Every reason the check is refused; empty when it is acceptable.
    public var problems: [String] {
        var p: [String] = []
        let label = "check '\(name.prefix(64))'"
        if !NodeFacts.isName(name) { p.append("\(label): a name is 1 to 64 letters, digits, '.', '_' or '-'") }
        let kinds = [unit != nil, path != nil, command != nil].filter { $0 }.count
        if kinds != 1 { p.append("\(label): give exactly one of unit, path, command") }
        if let unit, !NodeFacts.isText(unit, max: 256) || unit.contains("/") { p.append("\(label): unit is not a unit name") }
        if let path, !OperationPath.isClean(path) { p.append("\(label): path must be absolute, without '.', '..' or '//'") }
        if let command {
            if command.isEmpty || command.count > 64 { p.append("\(label): command needs 1 to 64 arguments") }
            if command.contains(where: { $0.utf8.count > 4096 || $0.contains("\0") }) { p.append("\(label): an argument is too long or holds NUL") }
        }
        if let t = timeoutSeconds, !(1...60).contains(t) { p.append("\(label): timeout-seconds must be from 1 to 60") }
        if timeoutSeconds != nil, command == nil { p.append("\(label): timeout-seconds applies to command only") }
        return p
    }

    /// The problems of a role's whole list: each check's, too many checks, a name used twice.
    public static func problems(of checks: [HealthCheck]) -> [String] {
        var p = checks.flatMap(\.problems)
        if checks.count > perRoleMax { p.append("at most \(perRoleMax) checks per role") }
        let names = checks.map(\.name)
        for name in Set(names) where names.filter({ $0 == name }).count > 1 { p.append("check '\(name.prefix(64))' appears twice") }
        return p
    }
}

/// Paths that agents act on: absolute and already normal, so that what an operator reads is what
/// is touched.
enum OperationPath {
    static func isClean(_ path: String) -> Bool {
        guard path.hasPrefix("/"), (2...4096).contains(path.utf8.count), !path.contains("\0"), !path.hasSuffix("/") else { return false }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
            .allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}

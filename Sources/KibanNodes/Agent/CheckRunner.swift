import Foundation

/// Runs a role's ``HealthCheck``s on the machine, for the next heartbeat: a unit must be
/// active (`systemctl is-active --quiet`), a path must exist, a command must exit 0 within its
/// timeout (killed after it).
public struct CheckRunner: Sendable {
    /// Where `systemctl` is.
    public var systemctl = "/usr/bin/systemctl"

    /// A runner.
    public init() {}

    /// The result of every check, in order.
    public func run(_ checks: [HealthCheck]) async -> [HealthReport.Check] {
        var results: [HealthReport.Check] = []
        for check in checks { results.append(await run(check)) }
        return results
    }

    /// The result of one check.
    public func run(_ check: HealthCheck) async -> HealthReport.Check {
        if let path = check.path {
            let exists = FileManager.default.fileExists(atPath: path)
            return .init(name: check.name, passed: exists, detail: exists ? "" : "\(path) is missing")
        }
        let argv = check.unit.map { [systemctl, "is-active", "--quiet", $0] } ?? check.command ?? []
        let status = await Self.exitStatus(argv, timeoutSeconds: check.timeoutSeconds ?? 10)
        return .init(
            name: check.name, passed: status == 0, detail: status == 0 ? "" : status.map { "exit status \($0)" } ?? "did not finish in time or could not start")
    }

    /// The exit status of `argv` (the first element an absolute path, or looked up in PATH by
    /// `/usr/bin/env`), or nil when it could not start, ran past `timeoutSeconds` or died of a signal.
    static func exitStatus(_ argv: [String], timeoutSeconds: Int) async -> Int32? {
        await ProcessRun(argv, timeoutSeconds: timeoutSeconds, captureOutput: false).run().status
    }
}

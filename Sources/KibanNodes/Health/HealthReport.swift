public import Foundation

/// One heartbeat's health: the time the leader received it and the result of every check the
/// agent ran for the machine's role.
public struct HealthReport: Sendable, Hashable, Codable {
    /// One check's outcome.
    public struct Check: Sendable, Hashable, Codable {
        /// The check's name, as configured for the role.
        public var name: String
        /// Whether it passed.
        public var passed: Bool
        /// What the agent saw (an exit status, a unit's state), for the operator.
        public var detail: String

        /// Creates a check result.
        public init(name: String, passed: Bool, detail: String = "") {
            self.name = name
            self.passed = passed
            self.detail = detail
        }
    }

    /// When the leader received the report (the leader's clock, not the agent's).
    public var received: Date
    /// Every check the agent ran.
    public var checks: [Check]

    /// Creates a report received at `received`.
    public init(received: Date, checks: [Check] = []) {
        self.received = received
        self.checks = checks
    }

    /// A report of `checks` as the leader keeps it in memory: at most ``HealthCheck/perRoleMax``
    /// checks, names cut to 64 bytes and details to 256 (an agent's report costs the leader a
    /// bounded amount of memory, whatever it sends).
    public static func bounded(received: Date, checks: [Check]) -> HealthReport {
        HealthReport(
            received: received,
            checks: checks.prefix(HealthCheck.perRoleMax).map {
                Check(
                    name: String(decoding: $0.name.utf8.prefix(64), as: UTF8.self), passed: $0.passed,
                    detail: String(decoding: $0.detail.utf8.prefix(256), as: UTF8.self))
            })
    }

    /// The checks that failed, in the order the agent ran them.
    public var failed: [Check] { checks.filter { !$0.passed } }
}

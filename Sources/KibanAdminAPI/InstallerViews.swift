/// `GET /v1/k8s/plan`: the installer planner's next batch for the stored spec, as a dry run.
public struct PlanView: Codable, Sendable {
    /// Each step's id (`bootstrap-etcd/A,B,C`, `add-etcd-learner/D`, …).
    public var steps: [String]
    /// What the planner waits for.
    public var waiting: [String]
    /// What blocks it and needs an operator.
    public var blocked: [String]

    public init(steps: [String], waiting: [String], blocked: [String]) {
        self.steps = steps
        self.waiting = waiting
        self.blocked = blocked
    }
}

/// One thing the installer does next, carried out through the node agents' operations. A step's
/// ``id`` names it for good: the same step decided again (a retry) has the same id, so its
/// operations are not run twice.
public enum Step: Sendable, Hashable, CustomStringConvertible {
    /// Start a new etcd cluster on these machines.
    case bootstrapEtcd([String])
    /// Add an etcd member on the machine as a learner (it votes only once promoted).
    case addEtcdLearner(String)
    /// Make a caught-up learner a voter.
    case promoteEtcd(String)
    /// Remove the machine's etcd member.
    case removeEtcd(String)
    /// Install the control-plane components at a version.
    case installControlPlane(String, version: String)
    /// Install a worker's components at a version.
    case installWorker(String, version: String)
    /// Move a node's components to a version.
    case upgradeNode(String, version: String)
    /// Take a node out of the cluster and stop its components.
    case removeNode(String)

    /// A stable name: the kind and the machines, and the version where there is one.
    public var id: String {
        switch self {
        case .bootstrapEtcd(let serials): "bootstrap-etcd/" + serials.joined(separator: ",")
        case .addEtcdLearner(let s): "add-etcd-learner/\(s)"
        case .promoteEtcd(let s): "promote-etcd/\(s)"
        case .removeEtcd(let s): "remove-etcd/\(s)"
        case .installControlPlane(let s, let v): "install-control-plane/\(s)/\(v)"
        case .installWorker(let s, let v): "install-worker/\(s)/\(v)"
        case .upgradeNode(let s, let v): "upgrade-node/\(s)/\(v)"
        case .removeNode(let s): "remove-node/\(s)"
        }
    }

    /// Whether the step changes etcd's membership (at most one such step runs at a time).
    public var changesMembership: Bool {
        switch self {
        case .bootstrapEtcd, .addEtcdLearner, .promoteEtcd, .removeEtcd: true
        default: false
        }
    }

    public var description: String { id.replacingOccurrences(of: "/", with: " ") }
}

/// What the planner decided: the next batch of steps (run together), what it is waiting for, and
/// what in the spec or the data center keeps it from doing more.
public struct Decision: Sendable, Hashable, CustomStringConvertible {
    /// Steps to run now, together.
    public var steps: [Step]
    /// Why less than everything is being done now (running steps, a learner catching up).
    public var waiting: [String]
    /// What stands in the way and needs an operator (too few machines, a step that keeps failing).
    public var blocked: [String]

    public init(steps: [Step] = [], waiting: [String] = [], blocked: [String] = []) {
        self.steps = steps
        self.waiting = waiting
        self.blocked = blocked
    }

    public var description: String {
        var lines = steps.map { "step \($0)" } + waiting.map { "waiting: \($0)" } + blocked.map { "blocked: \($0)" }
        if lines.isEmpty { lines = ["nothing to do"] }
        return lines.joined(separator: "\n")
    }
}

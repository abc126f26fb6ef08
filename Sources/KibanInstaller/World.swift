public import KibanInventory

/// What the planner knows of the data center when it decides: the inventory's machines with
/// their states, the Kubernetes etcd's members, the nodes the installer has set up (as their
/// agents report them), the steps still running and the steps that failed.
public struct World: Sendable, Hashable {
    /// A machine of the inventory.
    public struct Machine: Sendable, Hashable, Codable {
        public var serial: String
        public var rack: Int
        public var role: String
        public var labels: [String: String]
        public var state: MachineState

        public init(serial: String, rack: Int, role: String, labels: [String: String] = [:], state: MachineState) {
            self.serial = serial
            self.rack = rack
            self.role = role
            self.labels = labels
            self.state = state
        }
    }

    /// A member of the Kubernetes etcd cluster, by the machine it runs on.
    public struct EtcdMember: Sendable, Hashable, Codable {
        public var serial: String
        /// A learner receives the log but does not vote (a replacement that is catching up).
        public var learner: Bool
        /// Whether the member answers its health check (a learner: whether it has caught up).
        public var healthy: Bool

        public init(serial: String, learner: Bool = false, healthy: Bool = true) {
            self.serial = serial
            self.learner = learner
            self.healthy = healthy
        }
    }

    /// A machine the installer has set up as a Kubernetes node.
    public struct Node: Sendable, Hashable, Codable {
        public var serial: String
        /// Whether it runs the control-plane components (else it is a worker).
        public var controlPlane: Bool
        /// The Kubernetes version its components run.
        public var version: String

        public init(serial: String, controlPlane: Bool, version: String) {
            self.serial = serial
            self.controlPlane = controlPlane
            self.version = version
        }
    }

    /// A step that failed, with how often.
    public struct Failure: Sendable, Hashable, Codable {
        public var attempts: Int
        public var lastError: String

        public init(attempts: Int, lastError: String) {
            self.attempts = attempts
            self.lastError = lastError
        }
    }

    public var machines: [Machine]
    public var etcd: [EtcdMember]
    public var nodes: [Node]
    /// Steps handed to agents and not finished yet.
    public var running: [Step]
    /// Failed steps by ``Step/id``; a success clears the entry.
    public var failures: [String: Failure]

    public init(machines: [Machine] = [], etcd: [EtcdMember] = [], nodes: [Node] = [], running: [Step] = [], failures: [String: Failure] = [:]) {
        self.machines = machines
        self.etcd = etcd
        self.nodes = nodes
        self.running = running
        self.failures = failures
    }

    /// The machine with `serial`, if the inventory has it.
    public func machine(_ serial: String) -> Machine? { machines.first { $0.serial == serial } }
}

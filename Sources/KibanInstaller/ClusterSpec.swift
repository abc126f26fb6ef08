public import KibanInventory

/// The Kubernetes cluster an operator wants (`kiban k8s spec set`): what runs where, and from
/// which version. The installer's planner turns it, with the inventory and what the agents
/// report, into the next batch of steps (``Planner``).
public struct ClusterSpec: Sendable, Hashable, Codable {
    /// The cluster's name: a DNS label (it is also a SAN of the API server's certificate).
    public var name: String
    /// The Kubernetes version every node should run (`1.31.2`).
    public var kubernetesVersion: String
    /// The control plane: how many machines run etcd and the control-plane components, and which
    /// machines qualify.
    public var controlPlane: ControlPlane
    /// Which machines become workers, and how many.
    public var workers: Workers
    /// The services' virtual addresses.
    public var serviceSubnet: IPv4Network
    /// The pods' addresses.
    public var podSubnet: IPv4Network
    /// The cluster DNS service address, inside ``serviceSubnet``.
    public var clusterDNS: IPv4
    /// Extra command-line arguments per component (``components``).
    public var extraArgs: [String: [String]]
    /// etcd's version and extra arguments.
    public var etcd: Etcd
    /// Where the component binaries come from.
    public var binaries: Binaries

    /// The control plane's size and candidates.
    public struct ControlPlane: Sendable, Hashable, Codable {
        /// 1, 3 or 5 machines.
        public var count: Int
        /// Which machines qualify.
        public var select: MachineSelector
        /// A preference per role, higher first (CKE's weights); roles not named weigh 1.
        public var weights: [String: Double]

        public init(count: Int, select: MachineSelector, weights: [String: Double] = [:]) {
            self.count = count
            self.select = select
            self.weights = weights
        }
    }

    /// The workers' candidates and bounds.
    public struct Workers: Sendable, Hashable, Codable {
        /// Which machines qualify (control-plane machines are never also counted as workers).
        public var select: MachineSelector
        /// Fewer qualifying machines than this is reported as a problem (those there still join).
        public var min: Int
        /// At most this many workers.
        public var max: Int

        public init(select: MachineSelector, min: Int, max: Int) {
            self.select = select
            self.min = min
            self.max = max
        }
    }

    /// etcd's settings.
    public struct Etcd: Sendable, Hashable, Codable {
        /// The etcd version the members should run.
        public var version: String
        /// Extra etcd arguments.
        public var extraArgs: [String]

        public init(version: String, extraArgs: [String] = []) {
            self.version = version
            self.extraArgs = extraArgs
        }
    }

    /// Where binaries come from: Kiban assets by name and version, or already in the node image.
    public enum Binaries: String, Sendable, Hashable, Codable, CaseIterable {
        case assets, image
    }

    /// The components whose arguments ``extraArgs`` may extend.
    public static let components = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"]

    public init(
        name: String, kubernetesVersion: String, controlPlane: ControlPlane, workers: Workers, serviceSubnet: IPv4Network,
        podSubnet: IPv4Network, clusterDNS: IPv4, extraArgs: [String: [String]] = [:], etcd: Etcd, binaries: Binaries = .image
    ) {
        self.name = name
        self.kubernetesVersion = kubernetesVersion
        self.controlPlane = controlPlane
        self.workers = workers
        self.serviceSubnet = serviceSubnet
        self.podSubnet = podSubnet
        self.clusterDNS = clusterDNS
        self.extraArgs = extraArgs
        self.etcd = etcd
        self.binaries = binaries
    }
}

/// Which machines qualify for a part of the cluster: any of `roles`, and every label of `labels`.
public struct MachineSelector: Sendable, Hashable, Codable {
    /// The machine roles that qualify (at least one).
    public var roles: [String]
    /// Labels a machine must carry, with these values.
    public var labels: [String: String]

    public init(roles: [String], labels: [String: String] = [:]) {
        self.roles = roles
        self.labels = labels
    }

    /// Whether `machine` qualifies.
    public func matches(_ machine: World.Machine) -> Bool {
        roles.contains(machine.role) && labels.allSatisfy { machine.labels[$0.key] == $0.value }
    }
}

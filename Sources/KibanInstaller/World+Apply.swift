/// What a step changes once it succeeded: dry runs (`kiban k8s plan`), the planner's golden
/// transcripts and its benchmark play batches forward with it.
extension World {
    /// The world after `step` succeeded (its failure record cleared).
    public func applying(_ step: Step) -> World {
        var w = self
        w.failures[step.id] = nil
        switch step {
        case .bootstrapEtcd(let serials): w.etcd = serials.map { EtcdMember(serial: $0) }
        case .addEtcdLearner(let s): w.etcd.append(EtcdMember(serial: s, learner: true))
        case .promoteEtcd(let s): w.etcd = w.etcd.map { $0.serial == s ? EtcdMember(serial: s, healthy: $0.healthy) : $0 }
        case .removeEtcd(let s): w.etcd.removeAll { $0.serial == s }
        case .installControlPlane(let s, let v):
            w.nodes.removeAll { $0.serial == s }
            w.nodes.append(Node(serial: s, controlPlane: true, version: v))
        case .installWorker(let s, let v): w.nodes.append(Node(serial: s, controlPlane: false, version: v))
        case .upgradeNode(let s, let v): w.nodes = w.nodes.map { $0.serial == s ? Node(serial: s, controlPlane: $0.controlPlane, version: v) : $0 }
        case .removeNode(let s): w.nodes.removeAll { $0.serial == s }
        }
        return w
    }

    /// The world after every step of `steps` succeeded.
    public func applying(_ steps: [Step]) -> World { steps.reduce(self) { $0.applying($1) } }
}

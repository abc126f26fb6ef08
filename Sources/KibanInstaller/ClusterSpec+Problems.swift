import KibanInventory

/// The rules a spec's values follow.
extension ClusterSpec {
    /// What is wrong with the spec's values, one line each.
    public var problems: [String] {
        var p: [String] = []
        let label = /[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/
        if (try? label.wholeMatch(in: name)) == nil { p.append("name: \"\(name)\" is not a DNS label (a-z, 0-9, '-', at most 63)") }
        let version = /v?[0-9]+\.[0-9]+\.[0-9]+/
        if (try? version.wholeMatch(in: kubernetesVersion)) == nil { p.append("kubernetes-version: \"\(kubernetesVersion)\" is not a version like 1.31.2") }
        if (try? version.wholeMatch(in: etcd.version)) == nil { p.append("etcd.version: \"\(etcd.version)\" is not a version like 3.5.16") }
        if ![1, 3, 5].contains(controlPlane.count) { p.append("control-plane.count: \(controlPlane.count) is not 1, 3 or 5 (an etcd quorum)") }
        if controlPlane.select.roles.isEmpty { p.append("control-plane.select.roles: at least one role") }
        if workers.select.roles.isEmpty { p.append("workers.select.roles: at least one role") }
        if workers.min < 0 || workers.max < workers.min { p.append("workers: need 0 ≤ min (\(workers.min)) ≤ max (\(workers.max))") }
        for (role, weight) in controlPlane.weights where !(weight > 0) { p.append("control-plane.weights.\(role): a weight is above 0") }
        if serviceSubnet.overlaps(podSubnet) { p.append("service-subnet \(serviceSubnet) overlaps pod-subnet \(podSubnet)") }
        if !serviceSubnet.contains(clusterDNS) { p.append("cluster-dns: \(clusterDNS) is not inside service-subnet \(serviceSubnet)") }
        if clusterDNS == serviceSubnet.address { p.append("cluster-dns: \(clusterDNS) is the service subnet's first address (the API service's)") }
        for component in extraArgs.keys.sorted() where !Self.components.contains(component) {
            p.append("extra-args.\(component): not a component (\(Self.components.joined(separator: ", ")))")
        }
        for (component, args) in extraArgs.sorted(by: { $0.key < $1.key }) {
            for arg in args where !arg.hasPrefix("--") || arg.contains("\n") { p.append("extra-args.\(component): \"\(arg)\" is not a --flag") }
        }
        for arg in etcd.extraArgs where !arg.hasPrefix("--") || arg.contains("\n") { p.append("etcd.extra-args: \"\(arg)\" is not a --flag") }
        return p
    }
}

extension IPv4Network {
    /// Whether `ip` is inside the network.
    func contains(_ ip: IPv4) -> Bool { ip.masked(prefix: prefix) == address }

    /// Whether the two networks share an address.
    func overlaps(_ other: IPv4Network) -> Bool { prefix <= other.prefix ? contains(other.address) : other.contains(address) }
}

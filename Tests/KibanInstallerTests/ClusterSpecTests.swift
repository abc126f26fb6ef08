import KibanInstaller
import Testing

@Suite("Cluster spec documents")
struct ClusterSpecTests {
    static let valid = """
        name: dc1
        kubernetes-version: 1.31.2
        control-plane: {count: 3, select: {roles: [cs], labels: {tier: a}}, weights: {cs: 2}}
        workers: {select: {roles: [cs, ss]}, min: 2, max: 50}
        service-subnet: 10.96.0.0/16
        pod-subnet: 10.64.0.0/14
        cluster-dns: 10.96.0.10
        extra-args: {kube-apiserver: ["--audit-log-maxage=7"]}
        etcd: {version: 3.5.16, extra-args: ["--quota-backend-bytes=8589934592"]}
        binaries: assets
        """

    @Test("A valid document reads with every field, in YAML and in JSON")
    func valid() throws {
        let spec = try ClusterSpec.parse(document: Array(Self.valid.utf8))
        #expect(spec.controlPlane.select.labels == ["tier": "a"])
        #expect(spec.controlPlane.weights == ["cs": 2])
        #expect(spec.workers.min == 2 && spec.workers.max == 50)
        #expect(spec.clusterDNS.description == "10.96.0.10")
        #expect(spec.extraArgs["kube-apiserver"] == ["--audit-log-maxage=7"])
        #expect(spec.binaries == .assets)
        let json = """
            {"name": "dc1", "kubernetes-version": "1.31.2", "control-plane": {"count": 1, "select": {"roles": ["cs"]}},
             "workers": {"select": {"roles": ["cs"]}}, "service-subnet": "10.96.0.0/16", "pod-subnet": "10.64.0.0/14",
             "cluster-dns": "10.96.0.10", "etcd": {"version": "3.5.16"}}
            """
        let small = try ClusterSpec.parse(document: Array(json.utf8))
        #expect(small.workers.max == 10_000 && small.binaries == .image && small.extraArgs.isEmpty)
    }

    @Test("Unknown keys at every level and every bad value are listed together")
    func everyProblem() {
        let bad = Self.valid
            .replacingOccurrences(of: "name: dc1", with: "name: DC_1\nmystery: 1")
            .replacingOccurrences(of: "count: 3", with: "count: 2, colour: red")
            .replacingOccurrences(of: "min: 2, max: 50", with: "min: 5, max: 1")
            .replacingOccurrences(of: "cluster-dns: 10.96.0.10", with: "cluster-dns: 10.200.0.10")
            .replacingOccurrences(of: "pod-subnet: 10.64.0.0/14", with: "pod-subnet: 10.96.128.0/17")
            .replacingOccurrences(of: "kube-apiserver:", with: "kube-dns:")
        #expect {
            try ClusterSpec.parse(document: Array(bad.utf8))
        } throws: { error in
            guard let error = error as? SpecError else { return false }
            let text = error.problems.joined(separator: "\n")
            return error.problems.count == 8 && text.contains("mystery: unknown key") && text.contains("control-plane.colour: unknown key")
                && text.contains("not a DNS label") && text.contains("not 1, 3 or 5") && text.contains("min (5) ≤ max (1)")
                && text.contains("overlaps") && text.contains("not inside service-subnet") && text.contains("extra-args.kube-dns: not a component")
        }
    }

    @Test("A missing required field and a wrong type are named by their path")
    func missingAndWrongType() {
        for (document, expected) in [
            (Self.valid.replacingOccurrences(of: "kubernetes-version: 1.31.2\n", with: ""), "kubernetes-version: required"),
            (Self.valid.replacingOccurrences(of: "service-subnet: 10.96.0.0/16", with: "service-subnet: 10.96.0.1/16"), "service-subnet"),
            (Self.valid.replacingOccurrences(of: "min: 2", with: "min: two"), "workers.min"),
            ("- a list", "a spec is a mapping"),
            ("name: dc1\ncontrol-plane: {select: {}}\nmystery: 1", "mystery: unknown key"),
            ("name: dc1\ncontrol-plane: {select: {}}\nmystery: 1", "control-plane.count: required"),
            ("name: dc1\ncontrol-plane: {select: {}}\nmystery: 1", "control-plane.select.roles: required"),
            ("name: dc1\ncontrol-plane: {select: {}}\nmystery: 1", "etcd: required"),
        ] {
            #expect {
                try ClusterSpec.parse(document: Array(document.utf8))
            } throws: { error in
                (error as? SpecError)?.problems.contains { $0.contains(expected) } ?? false
            }
        }
    }
}

import ArgumentParser
import Foundation
import KibanAdminAPI

/// `kiban k8s`: the Kubernetes cluster Kiban builds from its inventory (docs/installer.md).
struct K8sCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s", abstract: "The Kubernetes cluster the installer builds from the inventory.",
        discussion: """
            The spec says what cluster to build (control-plane size and candidates, workers, subnets, versions); the planner decides the next steps from the spec, the machines' states and what the agents report. `plan` shows what it would do now. See docs/installer.md.
            """,
        subcommands: [Spec.self, Plan.self])

    struct Spec: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set and show the cluster spec.", subcommands: [Set.self, Get.self])
    }

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the steps the planner would take now, what it waits for and what blocks it (nothing is done).")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (plan, json) = try client.call("GET", "/v1/k8s/plan", as: PlanView.self)
            var rows = [["KIND", "WHAT"]]
            rows += plan.steps.map { ["step", $0.replacingOccurrences(of: "/", with: " ")] }
            rows += plan.waiting.map { ["waiting", $0] } + plan.blocked.map { ["blocked", $0] }
            if rows.count == 1 { rows.append(["-", "nothing to do: the cluster matches the spec"]) }
            client.print(json: json, rows: rows)
        }
    }
}

extension K8sCommand.Spec {
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the cluster spec from a YAML or JSON file (- for standard input).",
            discussion: """
                Unknown keys are refused and every problem is listed; nothing changes then. Example:

                  name: dc1
                  kubernetes-version: 1.31.2
                  control-plane: {count: 3, select: {roles: [cs]}}
                  workers: {select: {roles: [cs, ss]}, min: 2, max: 500}
                  service-subnet: 10.96.0.0/16
                  pod-subnet: 10.64.0.0/14
                  cluster-dns: 10.96.0.10
                  etcd: {version: 3.5.16}
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "The spec file, or - for standard input.")
        var file: String

        func run() throws {
            let json = try client.send("PUT", "/v1/k8s/spec", body: try ClientOptions.read(file, what: "spec"))
            let stored = try JSONDecoder().decode(SpecRow.self, from: Data(json))
            client.print(
                json: json,
                rows: [["NAME", "KUBERNETES", "CONTROL PLANE"], [stored.spec.name, stored.spec.kubernetesVersion, "\(stored.spec.controlPlane.count)"]])
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the cluster spec: the document as it was set (-o json: the spec as read, with the document).")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (stored, json) = try client.call("GET", "/v1/k8s/spec", as: SpecRow.self)
            if client.output == .table { return Swift.print(stored.document, terminator: stored.document.hasSuffix("\n") ? "" : "\n") }
            client.print(document: json)
        }
    }
}

/// What the CLI reads of `GET|PUT /v1/k8s/spec`.
struct SpecRow: Decodable {
    struct Spec: Decodable {
        struct ControlPlane: Decodable { var count: Int }
        var name: String
        var kubernetesVersion: String
        var controlPlane: ControlPlane
    }
    var spec: Spec
    var document: String
}

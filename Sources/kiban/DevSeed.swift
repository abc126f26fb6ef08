import Foundation
import KibanAdminAPI
import KibanServer

/// The sample data `kiban dev` writes into a new cluster, so that `make run` serves a machine's
/// whole boot flow: an IPAM configuration, machine `dev-0001` (role `worker`), a template and
/// kernel parameters for the role, and an image when one is found on this machine
/// (``DevImage``). Nothing is written when the cluster already has an IPAM configuration.
struct DevSeed {
    static let serial = "dev-0001"
    static let role = "worker"

    let client: ClientOptions
    let scratch: String

    /// Seeds the cluster; returns lines for the banner, and whether an image was uploaded.
    func run() throws -> (notes: [String], image: Bool) {
        let admin = AdminClient(socketPath: client.socketPath)
        guard try admin.call("GET", "/v1/ipam").0 == 404 else {
            return (["the cluster already has an IPAM configuration: no sample data written"], false)
        }
        try send("PUT", "/v1/ipam", Self.ipam)
        try send("POST", "/v1/machines", Self.machines)
        _ = try client.call(
            "PUT", "/v1/templates/\(Self.role)", body: TemplateSetBody(version: "v1", template: Self.template),
            as: TemplateInfo.self)
        _ = try client.call("PUT", "/v1/kernel-params/\(Self.role)", body: ["params": "console=ttyS0 panic=-1"], as: [String: String].self)
        var notes = ["sample data: IPAM, machine \(Self.serial) (role \(Self.role)), template \(Self.role) v1, kernel parameters"]
        guard let image = DevImage.find(environment: ProcessInfo.processInfo.environment, scratch: scratch) else {
            notes.append("no kernel and initrd found on this machine, so no image (nothing is downloaded); upload one with:")
            notes.append("  KIBAN_SOCKET=\(client.socketPath) kiban images upload sample --kernel VMLINUZ --initrd INITRD")
            notes.append("  (or set KIBAN_DEV_KERNEL and KIBAN_DEV_INITRD before kiban dev)")
            return (notes, false)
        }
        let upload = Upload(client: client, files: [("kernel", image.kernel), ("initrd", image.initrd)])
        let sizes = try upload.sizes()
        _ = try upload.send(path: "/v1/images/sample?kernelSize=\(sizes[0])&initrdSize=\(sizes[1])&force=false", sizes: sizes)
        notes.append("image sample: \(image.origin)")
        return (notes, true)
    }

    private func send(_ method: String, _ path: String, _ json: String) throws {
        _ = try client.send(method, path, body: Array(json.utf8))
    }

    static let ipam = """
        {"max-nodes-in-rack": 28, "node-ipv4-pool": "10.69.0.0/16", "node-ipv4-range-size": 6, "node-ipv4-range-mask": 26,
         "node-ip-per-node": 3, "node-index-offset": 3, "node-gateway-offset": 1, "bmc-ipv4-pool": "10.72.16.0/20",
         "bmc-ipv4-offset": "0.0.1.0", "bmc-ipv4-range-size": 5, "bmc-ipv4-range-mask": 20, "bmc-ipv4-gateway-offset": 1}
        """

    static let machines = """
        [{"serial": "\(serial)", "rack": 0, "role": "\(role)", "bmc": {"type": "IPMI-2.0"}, "labels": {"zone": "dev"}}]
        """

    static let template = """
        {
          "ignition": {"version": "3.4.0"},
          "kiban": {"serial": "{{serial}}", "rack": {{rack}}, "index": {{index}}, "address": "{{address}}",
                    "gateway": "{{gateway}}", "zone": "{{labels.zone}}", "config": "{{config_url}}"}
        }

        """
}

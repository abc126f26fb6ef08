import Foundation

/// The variables a configuration template sees for one machine (docs/netboot.md lists them).
public struct TemplateContext: Sendable {
    /// Everything as Mustache sees it: strings, numbers, arrays and dictionaries.
    let values: [String: any Sendable]

    /// The context of `machine`, served from `baseURL` (`http://10.0.0.1:10080`).
    public init(machine: BootMachine, baseURL: String, caCertificatePEM: String, assets: [String]) {
        let assetURLs = assets.sorted().map { ["name": $0, "url": "\(baseURL)/boot/assets/\($0)"] }
        values = [
            "serial": machine.serial,
            "rack": machine.rack,
            "index": machine.index,
            "role": machine.role,
            "state": machine.state,
            "address": machine.addresses.first ?? "",
            "addresses": machine.addresses,
            "gateway": machine.gateways.first ?? "",
            "gateways": machine.gateways,
            "bmc_address": machine.bmcAddress,
            "labels": machine.labels,
            "label_list": machine.labels.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
            "ca_certificate": caCertificatePEM,
            "ca_certificate_json": Self.jsonEscaped(caCertificatePEM),
            "assets": Dictionary(uniqueKeysWithValues: assetURLs.map { ($0["name"] ?? "", $0["url"] ?? "") }),
            "asset_list": assetURLs,
            "boot_server": baseURL,
            "config_url": "\(baseURL)/boot/machines/\(machine.serial)/config",
        ]
    }

    /// A made-up machine for checking a template when it is set.
    static let sample = TemplateContext(
        machine: BootMachine(
            serial: "SAMPLE-0001", rack: 1, index: 4, role: "sample", state: "healthy",
            addresses: ["10.69.0.4"], gateways: ["10.69.0.1"], bmcAddress: "10.72.16.4",
            labels: ["datacenter": "dc1"]),
        baseURL: "http://10.0.0.1:10080",
        caCertificatePEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        assets: ["sample.txt"])

    /// `text` as the inside of a JSON string literal (no surrounding quotes).
    static func jsonEscaped(_ text: String) -> String {
        let encoded = (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return String(encoded.dropFirst().dropLast())
    }
}

import Foundation
import KibanNetboot
import KibanTestSupport
import Testing

@Suite("Configuration templates")
struct ConfigTemplateTests {
    let machine = BootMachine(
        serial: "SN7", rack: 2, index: 5, role: "cs", state: "healthy",
        addresses: ["10.69.2.5", "10.69.3.5"], gateways: ["10.69.2.1", "10.69.3.1"],
        bmcAddress: "10.72.2.5", labels: ["zone": "b", "product": "R640"])

    func render(_ source: String, assets: [String] = []) throws -> String {
        try ConfigTemplate(source).render(
            TemplateContext(
                machine: machine, baseURL: "http://10.0.0.2:10080",
                caCertificatePEM: "PEM\n\"x\"\n", assets: assets))
    }

    @Test("Every documented variable renders from the machine, without HTML escaping")
    func variables() throws {
        let out = try render(
            """
            {{serial}} {{rack}} {{index}} {{role}} {{state}} {{address}} {{gateway}} {{bmc_address}}
            {{#addresses}}[{{.}}]{{/addresses}} {{#gateways}}<{{.}}>{{/gateways}} {{labels.zone}}
            {{#label_list}}{{name}}={{value}};{{/label_list}} {{assets.a.txt}} {{#asset_list}}{{url}} {{/asset_list}}
            {{boot_server}} {{config_url}}
            {{ca_certificate}}
            """, assets: ["b", "a.txt"])
        #expect(out.contains("SN7 2 5 cs healthy 10.69.2.5 10.69.2.1 10.72.2.5\n"))
        #expect(out.contains("[10.69.2.5][10.69.3.5] <10.69.2.1><10.69.3.1> b\n"))
        #expect(out.contains("product=R640;zone=b;"))
        #expect(out.contains("http://10.0.0.2:10080/boot/assets/a.txt http://10.0.0.2:10080/boot/assets/b "))
        #expect(out.contains("http://10.0.0.2:10080 http://10.0.0.2:10080/boot/machines/SN7/config\n"))
        #expect(out.contains("PEM\n\"x\"\n"))
    }

    @Test("ca_certificate_json keeps a JSON template valid")
    func json() throws {
        let out = try render(#"{"ignition": {"version": "3.4.0"}, "ca": "{{ca_certificate_json}}", "host": "{{serial}}"}"#)
        let object = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        #expect(object?["ca"] as? String == "PEM\n\"x\"\n")
    }

    @Test("A syntax error is refused with its line and column")
    func syntaxError() {
        #expect {
            _ = try ConfigTemplate("line one\n{{#addresses}}\n{{.}}\n{{/gateways}}\n")
        } throws: { error in
            let message = (error as? NetbootError)?.message ?? ""
            return message.contains("line 4") && message.contains("sectionCloseNameIncorrect")
        }
    }

    @Test("A JSON template whose output is not JSON is refused when set")
    func invalidJSON() {
        #expect {
            _ = try ConfigTemplate(#"{"ca": "{{ca_certificate}}"}"#)
        } throws: { error in
            (error as? NetbootError)?.code == .invalidTemplate && "\(error)".contains("not valid JSON")
        }
    }

    @Test(
        "Names for roles, versions and ids are path- and key-safe",
        arguments: [
            ("worker", true), ("v1.2_3-x", true), ("", false), ("a/b", false), ("..", false), ("a b", false),
            (String(repeating: "x", count: 64), false),
        ])
    func names(name: String, valid: Bool) {
        #expect(NetbootKeys.isValidName(name) == valid)
    }
}

/// Operator-written templates are outside input: whatever the bytes, compiling either throws
/// ``NetbootError`` or yields a template that renders.
@Suite("Configuration template fuzz")
struct ConfigTemplateFuzzTests {
    static let fragments = [
        "{{", "}}", "{{{", "}}}", "#", "/", "^", "&", "!", ">", "<", "$", "=", "%", ".", " ",
        "\n", "\"", "{", "}", "[", "]", "serial", "addresses", "labels.zone", "CONTENT_TYPE: TEXT",
        "ca_certificate_json", "x", "\u{0}", "é",
    ]

    @Test("Random templates never trap the compiler or the renderer (bounded, seeded)", arguments: [1, 2, 3, 4])
    func fuzz(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let machine = BootMachine(
            serial: "S", rack: 0, index: 1, role: "r", state: "healthy", addresses: ["10.0.0.1"],
            gateways: ["10.0.0.254"], bmcAddress: "10.1.0.1", labels: ["zone": "a"])
        let context = TemplateContext(machine: machine, baseURL: "http://h", caCertificatePEM: "C", assets: ["a"])
        for _ in 0..<500 {
            let count = Int(rng.next() % 24)
            let source = (0..<count).map { _ in Self.fragments[Int(rng.next() % UInt64(Self.fragments.count))] }.joined()
            if let template = try? ConfigTemplate(source) {
                _ = template.render(context)
            }
        }
    }
}

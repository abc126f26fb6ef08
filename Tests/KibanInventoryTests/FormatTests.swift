import Foundation
import KibanInventory
import KibanTestSupport
import Testing

@Suite("Input and output formats")
struct FormatTests {
    @Test("sabakan's IPAM example reads the same from YAML as from JSON")
    func ipamYAML() throws {
        let yaml = """
            max-nodes-in-rack: 28
            node-ipv4-pool: 10.69.0.0/16
            node-ipv4-range-size: 6
            node-ipv4-range-mask: 26
            node-ip-per-node: 3
            node-index-offset: 3
            node-gateway-offset: 1
            bmc-ipv4-pool: 10.72.16.0/20
            bmc-ipv4-offset: 0.0.1.0
            bmc-ipv4-range-size: 5
            bmc-ipv4-range-mask: 20
            bmc-ipv4-gateway-offset: 1
            """
        #expect(try InventoryFormat.ipam(from: Array(yaml.utf8)) == (try exampleIPAM()))
        #expect(try InventoryFormat.ipam(from: Array(sabakanIPAM.utf8)) == (try exampleIPAM()))
    }

    @Test("A YAML machine list is read like sabakan's JSON")
    func machinesYAML() throws {
        let yaml = """
            - serial: abc
              rack: 1
              role: boot
              labels: {product: R630}
              bmc: {type: iDRAC-9}
            - serial: def
              rack: 1
              role: cs
              bmc:
                type: IPMI-2.0
              retire-date: 2030-01-01T00:00:00Z
            """
        let regs = try InventoryFormat.registrations(from: Array(yaml.utf8))
        #expect(
            regs == [
                MachineRegistration(serial: "abc", labels: ["product": "R630"], rack: 1, role: "boot", bmcType: "iDRAC-9"),
                MachineRegistration(
                    serial: "def", rack: 1, role: "cs", bmcType: "IPMI-2.0",
                    retireDate: Date(timeIntervalSince1970: 1_893_456_000)),
            ])
    }

    @Test("A broken document is refused with the path to the bad field")
    func badInput() {
        let error = #expect(throws: InventoryError.self) {
            try InventoryFormat.registrations(from: Array(#"[{"serial": "a", "rack": 1, "role": "cs"}]"#.utf8))
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("bmc is missing") == true)
    }

    @Test("Machines print as sabakan's JSON, as YAML and as a table")
    func output() throws {
        let ipam = try exampleIPAM()
        let machines = try Registrar.register(
            [reg("zz", rack: 1, role: "boot"), reg("aa", rack: 0)],
            existing: [], ipam: ipam, now: t0
        ).get()
        let json = try InventoryFormat.machines(machines, ipam: ipam, now: t0 + 30, as: .json)
        let docs = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
        let spec = docs?.first?["spec"] as? [String: Any]
        #expect(spec?["index-in-rack"] as? Int == 3)
        #expect(spec?["register-date"] as? String == "2027-01-15T08:00:00Z")
        #expect((docs?.first?["status"] as? [String: Any])?["duration"] as? Double == 30)
        let yaml = try InventoryFormat.machines(machines, ipam: ipam, now: t0, as: .yaml)
        #expect(yaml.contains("index-in-rack: 3"))
        let table = InventoryFormat.table(machines)
        #expect(
            table == """
                SERIAL  RACK  INDEX  ROLE  STATE          IPV4         BMC
                aa      0     4      cs    uninitialized  10.69.0.4    10.72.17.4
                zz      1     3      boot  uninitialized  10.69.0.195  10.72.17.35

                """)
    }

    @Test("Audit records print as JSON Lines, one record per line, or as a table")
    func auditLines() throws {
        let r = AuditRecord(ts: t0, rev: 7, user: "alice", category: "machines", instance: "a", action: "set-state", detail: "healthy")
        let text = try InventoryFormat.auditLog([r, r], as: .json)
        #expect(text.split(separator: "\n").count == 2)
        #expect(
            text.hasPrefix(
                #"{"action":"set-state","category":"machines","detail":"healthy","instance":"a","rev":7,"ts":"2027-01-15T08:00:00Z","user":"alice"}"#))
        #expect(try InventoryFormat.auditLog([r], as: .table).contains("2027-01-15T08:00:00Z  7    alice"))
    }

    @Test("Days for the audit log range read as midnight UTC", arguments: [("20270115", 1_800_000_000.0 - 8 * 3600), ("19700101", 0)])
    func days(text: String, seconds: Double) {
        #expect(InventoryFormat.day(text) == Date(timeIntervalSince1970: seconds))
    }

    @Test("Malformed days are refused", arguments: ["2027-01-15", "20271315", "2027011", "abcdefgh"])
    func badDays(text: String) {
        #expect(InventoryFormat.day(text) == nil)
    }
}

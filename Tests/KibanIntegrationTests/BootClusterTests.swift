import Foundation
import Glibc
import KibanTestSupport
import Testing

/// HTTP boot from three real `kiban server` processes: records written through the CLI on one
/// member are served by every member; templates and kernel parameters through their commands.
@Suite("HTTP boot from a three-member cluster", .serialized)
struct BootClusterTests {
    static let serial = "SN-BOOT-1"

    /// Three members with their own HTTP and TFTP ports. Members 1 and 2 send blobs to peers at
    /// 1 KB/s: member 3's replicator gets a first 256 KiB chunk and then waits minutes for the
    /// rest, so during a test a blob placed on members 1 and 2 only stays missing on member 3.
    static func cluster(root: String) async throws -> (Cluster, [Int]) {
        var members: [ServerProcess] = []
        for i in 1...3 {
            let m = ServerProcess(name: "boot-\(i)", under: root)
            m.extraArguments = ["--ipxe-dir", root + "/ipxe"]
            if i < 3 { m.environment["KIBAN_BLOB_SEND_BYTES_PER_SECOND"] = "1000" }
            members.append(m)
        }
        try FileManager.default.createDirectory(atPath: root + "/ipxe", withIntermediateDirectories: true)
        try Data("fake undionly".utf8).write(to: URL(fileURLWithPath: root + "/ipxe/undionly.kpxe"))
        for m in members { try await m.start() }
        let cluster = Cluster(root: root, members: members)
        try await cluster.initialize()
        try await cluster.joinOthers()
        return (cluster, members.map(\.httpPort))
    }

    static func get(_ url: String, follow: Bool = false) -> (status: Int, body: [UInt8]) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = ServerProcess.runTool("/usr/bin/curl", ["-s", "--max-time", "30", "-o", out, "-w", "%{http_code}"] + (follow ? ["-L"] : []) + [url])
        return (Int(r.stdout) ?? 0, FileManager.default.contents(atPath: out).map(Array.init) ?? [])
    }

    static func machineJSON(state: String) -> String {
        """
        {"registration":{"serial":"\(serial)","labels":{"zone":"z1"},"rack":1,"role":"worker","bmc":{"type":"IPMI-2.0"}},\
        "indexInRack":4,"ipv4":["10.69.1.4"],"bmcIPv4":"10.72.1.4","registerDate":"2026-11-26T00:00:00Z",\
        "state":"\(state)","stateTimestamp":"2026-11-26T00:00:00Z"}
        """
    }

    @Test("Every member serves the machine's script, config and blobs; a member without the blob redirects to one that has it")
    func bootFromEveryMember() async throws {
        let root = try temporaryDirectory("boot-cluster")
        let (cluster, ports) = try await Self.cluster(root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let m = cluster.members
        // Blobs on members 1 and 2 only; the image record written through member 3.
        let kernel = Array((0..<600_000).map { UInt8(truncatingIfNeeded: $0 &* 11) })
        let sha = try Self.place(kernel, on: [m[0], m[1]])
        for (i, member) in [m[0], m[1]].enumerated() {
            #expect(
                member.cli(
                    "kv", "put", "netboot/presence/\(sha)/\(member.name)",
                    #"{"member":"\#(member.name)","http":"http://127.0.0.1:\#(ports[i])"}"#
                ).code == 0)
        }
        let blob = #"{"sha256":"\#(sha)","size":\#(kernel.count)}"#
        #expect(m[2].cli("kv", "put", "netboot/images/img-1", #"{"id":"img-1","kernel":\#(blob),"initrd":\#(blob),"uploaded":0}"#).code == 0)
        #expect(m[1].cli("kv", "put", "inventory/machines/\(Self.serial)", Self.machineJSON(state: "healthy")).code == 0)
        #expect(m[0].cli("kernel-params", "set", "worker", "console=ttyS0 panic=-1").code == 0)
        let template = root + "/worker.tmpl"
        try Data("host={{serial}} ip={{address}} gw={{gateway}} zone={{labels.zone}}\n".utf8).write(to: URL(fileURLWithPath: template))
        #expect(m[2].cli("templates", "set", "worker", "v1", template).code == 0)

        for port in ports {
            let base = "http://127.0.0.1:\(port)"
            // Every record above reached this member's view.
            do {
                try await poll("the boot script and configuration on port \(port)", seconds: 60) {
                    String(decoding: Self.get("\(base)/boot/machines/\(Self.serial)/ipxe").body, as: UTF8.self).contains("panic=-1")
                        && Self.get("\(base)/boot/machines/\(Self.serial)/config").status == 200
                }
            } catch {
                let logs = m.map {
                    "\($0.name): " + $0.log.split(separator: "\n").filter { $0.contains("kiban.boot") && !$0.contains("kiban.io.path") }.joined(separator: "\n")
                }
                throw TestFailure("\(error)\n\(logs.joined(separator: "\n"))")
            }
            let script = String(decoding: Self.get("\(base)/boot/machines/\(Self.serial)/ipxe").body, as: UTF8.self)
            #expect(
                script.contains(
                    "kernel \(base)/boot/images/img-1/kernel initrd=initrd console=ttyS0 panic=-1 kiban.serial=\(Self.serial) kiban.config=\(base)/boot/machines/\(Self.serial)/config"
                ))
            #expect(
                String(decoding: Self.get("\(base)/boot/machines/\(Self.serial)/config").body, as: UTF8.self)
                    == "host=\(Self.serial) ip=10.69.1.4 gw= zone=z1\n")
            #expect(Self.get("\(base)/boot/ipxe").status == 200)
            #expect(Self.get("\(base)/boot/undionly.kpxe").body == Array("fake undionly".utf8))
            #expect(Self.get("\(base)/boot/images/img-1/kernel", follow: true).body == kernel)
        }
        #expect(Self.get("http://127.0.0.1:\(ports[2])/boot/images/img-1/kernel").status == 302)
        #expect(Self.get("http://127.0.0.1:\(ports[0])/boot/images/img-1/kernel").status == 200)

        // Retired: the script refuses and exits 1.
        #expect(m[0].cli("kv", "put", "inventory/machines/\(Self.serial)", Self.machineJSON(state: "retired")).code == 0)
        try await poll("the retired machine's script", seconds: 60) {
            String(decoding: Self.get("http://127.0.0.1:\(ports[1])/boot/machines/\(Self.serial)/ipxe").body, as: UTF8.self).contains("is retired")
        }

        // A machine record this kiban cannot read does not take the others out of the view.
        #expect(m[0].cli("kv", "put", "inventory/machines/BROKEN", "{}").code == 0)
        try Data("v2 {{serial}}\n".utf8).write(to: URL(fileURLWithPath: template))
        #expect(m[1].cli("templates", "set", "worker", "v2", template).code == 0)
        try await poll("the new template with a broken machine record present", seconds: 60) {
            String(decoding: Self.get("http://127.0.0.1:\(ports[2])/boot/machines/\(Self.serial)/config").body, as: UTF8.self) == "v2 \(Self.serial)\n"
        }
    }

    // The rules (five versions kept, none overwritten, the parameters' syntax) are
    // TemplateServiceTests'; here, the commands on any member and their errors on stderr.
    @Test("templates and kernel-params on any member: a broken template's line and a refused version reach stderr; set, list, get, delete")
    func templatesAndParams() async throws {
        let root = try temporaryDirectory("boot-templates")
        let (cluster, _) = try await Self.cluster(root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let m = cluster.members
        let file = root + "/t"
        try Data("ok\n{{#addresses}}\n{{/gateways}}\n".utf8).write(to: URL(fileURLWithPath: file))
        let broken = m[0].cli("templates", "set", "cs", "v1", file)
        #expect(broken.code != 0)
        #expect(broken.stderr.contains("line 3"))
        #expect(m[0].cli("templates", "list", "-o", "json").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")

        for v in 1...2 {
            try Data("version \(v) of {{serial}}\n".utf8).write(to: URL(fileURLWithPath: file))
            let r = m[v % 3].cli("templates", "set", "cs", "v\(v)", file)
            #expect(r.code == 0, "\(r.stderr)")
        }
        let again = m[0].cli("templates", "set", "cs", "v2", file)
        #expect(again.code != 0)
        #expect(again.stderr.contains("never change"))
        let list = try JSONSerialization.jsonObject(with: Data(m[1].cli("templates", "list", "-o", "json").stdout.utf8)) as? [[String: Any]] ?? []
        #expect(list.compactMap { $0["version"] as? String } == ["v1", "v2"])
        #expect(list.filter { $0["current"] as? Bool == true }.compactMap { $0["version"] as? String } == ["v2"])
        #expect(m[2].cli("templates", "get", "cs").stdout == "version 2 of {{serial}}\n")
        #expect(m[2].cli("templates", "get", "cs", "v1").stdout == "version 1 of {{serial}}\n")
        #expect(m[2].cli("templates", "get", "cs", "v9").code != 0)
        #expect(m[0].cli("templates", "delete", "cs", "v2").code == 0)
        #expect(m[2].cli("templates", "get", "cs").stdout == "version 1 of {{serial}}\n")

        #expect(m[0].cli("kernel-params", "set", "cs", "console=ttyS0 quiet").code == 0)
        #expect(m[1].cli("kernel-params", "set", "ss", "console=tty0").code == 0)
        #expect(m[0].cli("kernel-params", "set", "ss", "a=${b}").code != 0)
        let table = m[2].cli("kernel-params", "get").stdout
        #expect(table.contains("cs    console=ttyS0 quiet") && table.contains("ss    console=tty0"))
        #expect(m[2].cli("kernel-params", "get", "nope").code != 0)
    }

    /// Writes `bytes` as a blob into each member's data directory; returns its SHA-256.
    static func place(_ bytes: [UInt8], on members: [ServerProcess]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("blob-\(UUID().uuidString.prefix(8))").path
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let sha = String(ServerProcess.runTool("/usr/bin/sha256sum", [file]).stdout.prefix(64))
        for m in members {
            try FileManager.default.createDirectory(atPath: m.dataDir + "/blobs/sha256", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: file, toPath: m.dataDir + "/blobs/sha256/" + sha)
        }
        return sha
    }
}

extension ServerProcess {
    /// Runs a program other than kiban.
    static func runTool(_ path: String, _ args: [String]) -> CLIResult { run(args, executable: URL(fileURLWithPath: path)) }
}

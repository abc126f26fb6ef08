import Foundation
import KibanIO
import KibanNetboot
import Logging
import Testing

/// The HTTP boot server on a real io_uring runtime and a free port, asked by curl.
@Suite("HTTP boot server", .serialized)
struct BootServerTests {
    let root: String
    let kernel: [UInt8] = Array((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    let initrd: [UInt8] = Array("initrd bytes\n".utf8)

    init() throws {
        root = try makeTemporaryDirectory("boot-server")
    }

    func machine(_ serial: String, state: String = "healthy") -> BootMachine {
        BootMachine(
            serial: serial, rack: 1, index: 4, role: "worker", state: state, addresses: ["10.69.1.4"],
            gateways: ["10.69.1.1"], bmcAddress: "10.72.1.4", labels: ["zone": "a"])
    }

    /// A server over a snapshot with one image, two machines, a template and kernel parameters.
    /// `member` names the data directory: members do not share blobs.
    func start(member: String = "boot-1", localBlobs: Bool = true, presence: [PresenceRecord] = []) throws -> (BootServer, String, BootSnapshot) {
        let blobs = BlobDirectory(dataDir: root + "/" + member)
        var snapshot = BootSnapshot()
        let ipxe = root + "/ipxe"
        try FileManager.default.createDirectory(atPath: ipxe, withIntermediateDirectories: true)
        try Data("MZ fake efi".utf8).write(to: URL(fileURLWithPath: root + "/real-ipxe.efi"))
        // As Debian installs it: /usr/lib/ipxe/ipxe.efi -> /boot/ipxe.efi.
        if !FileManager.default.fileExists(atPath: ipxe + "/ipxe.efi") {
            try FileManager.default.createSymbolicLink(atPath: ipxe + "/ipxe.efi", withDestinationPath: root + "/real-ipxe.efi")
        }
        let k: BlobReference
        let i: BlobReference
        if localBlobs {
            k = try placeBlob(kernel, in: blobs)
            i = try placeBlob(initrd, in: blobs)
        } else {
            k = BlobReference(sha256: sha256Hex(kernel), size: UInt64(kernel.count))
            i = BlobReference(sha256: sha256Hex(initrd), size: UInt64(initrd.count))
        }
        snapshot.images = [
            ImageRecord(id: "old", kernel: k, initrd: i, uploaded: Date(timeIntervalSince1970: 1)),
            ImageRecord(id: "flatcar-1", kernel: k, initrd: i, uploaded: Date(timeIntervalSince1970: 2)),
        ]
        snapshot.machines = ["SN1": machine("SN1"), "SN-RET": machine("SN-RET", state: "retired")]
        snapshot.kernelParams = ["worker": "console=ttyS0 quiet"]
        snapshot.templates = ["worker": ("v2", try ConfigTemplate(#"{"serial": "{{serial}}", "ip": "{{address}}", "ca": "{{ca_certificate_json}}"}"#))]
        snapshot.caCertificatePEM = "-----BEGIN CERTIFICATE-----\nABC\n-----END CERTIFICATE-----\n"
        snapshot.presence = [k.sha256: presence, i.sha256: presence]
        if localBlobs {
            snapshot.assets["motd.txt"] = AssetRecord(
                name: "motd.txt", blob: try placeBlob(Array("hello\n".utf8), in: blobs),
                contentType: "text/plain", uploaded: Date())
        }
        let responder = BootResponder(
            memberName: member, blobs: blobs, ipxeDirectory: ipxe,
            defaultBaseURL: "http://127.0.0.1:1")
        let server = try BootServer.start(
            responder: responder, httpPort: 0, tftpPort: nil,
            configuration: IOConfiguration(rings: 1), logger: Logger(label: "test"))
        server.update(snapshot)
        return (server, "http://127.0.0.1:\(server.httpEndpoint.port)", snapshot)
    }

    @Test("The entry script chains to the per-machine script by serial, on the server that answered")
    func entryScript() throws {
        let (server, base, _) = try start()
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        let r = try curl(base + "/boot/ipxe")
        #expect(r.status == 200)
        #expect(r.text.hasPrefix("#!ipxe\n"))
        #expect(r.text.contains("chain --autofree \(base)/boot/machines/${serial:uristring}/ipxe || goto failed"))
        #expect(r.text.contains("exit 1"))
    }

    @Test("A registered machine gets the newest image, its role's kernel parameters and its config URL")
    func machineScript() throws {
        let (server, base, _) = try start()
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        let text = try curl(base + "/boot/machines/SN1/ipxe").text
        #expect(
            text.contains(
                "kernel \(base)/boot/images/flatcar-1/kernel initrd=initrd console=ttyS0 quiet kiban.serial=SN1 kiban.config=\(base)/boot/machines/SN1/config"))
        #expect(text.contains("initrd --name initrd \(base)/boot/images/flatcar-1/initrd"))
        #expect(text.contains("\nboot || goto failed\n"))
        #expect(!text.contains("/old/"))
    }

    @Test(
        "An unknown serial, a retired machine and a machine without serial get a script that says why and exits 1",
        arguments: [("NOPE", "is not registered"), ("SN-RET", "is retired"), ("", "no SMBIOS serial")])
    func refused(serial: String, reason: String) throws {
        let (server, base, _) = try start()
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        let r = try curl(base + "/boot/machines/\(serial)/ipxe")
        #expect(r.status == 200)
        #expect(r.text.contains(reason))
        #expect(r.text.contains("\nexit 1\n"))
        #expect(!r.text.contains("kernel "))
    }

    @Test("The rendered configuration is the role's newest template filled with the machine's values")
    func config() throws {
        let (server, base, _) = try start()
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        let r = try curl(base + "/boot/machines/SN1/config")
        #expect(r.status == 200)
        #expect(r.headers["x-kiban-template-version"] == "v2")
        let json = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: String]
        #expect(json?["serial"] == "SN1")
        #expect(json?["ip"] == "10.69.1.4")
        #expect(json?["ca"] == "-----BEGIN CERTIFICATE-----\nABC\n-----END CERTIFICATE-----\n")
        #expect(try curl(base + "/boot/machines/NOPE/config").status == 404)
    }

    @Test("Kernel, initrd and assets come byte for byte from the blob directory, with ranges and the hash as ETag")
    func blobs() throws {
        let (server, base, _) = try start()
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        let k = try curl(base + "/boot/images/flatcar-1/kernel")
        #expect(k.status == 200)
        #expect(k.body == kernel)
        #expect(k.headers["etag"] == "\"\(sha256Hex(kernel))\"")
        #expect(try curl(base + "/boot/images/flatcar-1/initrd").body == initrd)
        let part = try curl(base + "/boot/images/flatcar-1/kernel", extra: ["-r", "100-199"])
        #expect(part.status == 206)
        #expect(part.body == Array(kernel[100..<200]))
        #expect(try curl(base + "/boot/images/none/kernel").status == 404)
        let asset = try curl(base + "/boot/assets/motd.txt")
        #expect(asset.text == "hello\n")
        #expect(asset.headers["content-type"] == "text/plain")
        #expect(try curl(base + "/boot/assets/other").status == 404)
        #expect(try curl(base + "/boot/ipxe.efi").text == "MZ fake efi")
        #expect(try curl(base + "/boot/undionly.kpxe").status == 404)
    }

    @Test("A blob this member lacks is redirected to a member that has it, or 503 with Retry-After while none has")
    func redirect() throws {
        let (peer, peerBase, _) = try start(member: "boot-2")
        defer { peer.shutdown() }
        let (server, base, _) = try start(
            member: "boot-1", localBlobs: false,
            presence: [
                PresenceRecord(member: "boot-1", http: "http://127.0.0.1:9"), PresenceRecord(member: "boot-2", http: peerBase),
            ])
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        let r = try curl(base + "/boot/images/flatcar-1/kernel")
        #expect(r.status == 302)
        #expect(r.headers["location"] == peerBase + "/boot/images/flatcar-1/kernel")
        #expect(try curl(base + "/boot/images/flatcar-1/kernel", follow: true).body == kernel)

        let (alone, aloneBase, _) = try start(member: "boot-3", localBlobs: false)
        defer { alone.shutdown() }
        let unavailable = try curl(aloneBase + "/boot/images/flatcar-1/initrd")
        #expect(unavailable.status == 503)
        #expect(unavailable.headers["retry-after"] == "5")
    }
}

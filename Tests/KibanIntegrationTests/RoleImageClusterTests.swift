import Foundation
import KibanTestSupport
import Testing

/// The image each role boots, on three real `kiban server` processes driven through the CLI:
/// assignment, the kernel parameters of image and role in order, and the refusals that keep an
/// assigned image in place.
@Suite("Images per role on a three-member cluster", .serialized)
struct RoleImageClusterTests {
    static let serial = BootClusterTests.serial

    static func script(_ port: Int) -> String {
        String(decoding: BootClusterTests.get("http://127.0.0.1:\(port)/boot/machines/\(serial)/ipxe").body, as: UTF8.self)
    }

    static func upload(_ id: String, on m: ServerProcess, files: TestFiles) throws -> CLIResult {
        m.cli("images", "upload", id, "--kernel", try files.random("k-\(id)", bytes: 4096), "--initrd", try files.random("i-\(id)", bytes: 2048))
    }

    @Test("A role boots its assigned image with the image's kernel parameters before its own; assigned images are neither deleted nor retired")
    func assignedImage() async throws {
        let root = try temporaryDirectory("role-images")
        let (cluster, ports) = try await BootClusterTests.cluster(root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let m = cluster.members
        let files = TestFiles(root: root)
        for id in ["img-a", "img-b"] {
            let r = try Self.upload(id, on: m[0], files: files)
            #expect(r.code == 0, "\(r.stderr)")
        }
        #expect(m[1].cli("kv", "put", "inventory/machines/\(Self.serial)", BootClusterTests.machineJSON(state: "healthy")).code == 0)
        try await poll("the newest image in the script of a role without an assignment", seconds: 60) {
            Self.script(ports[2]).contains("/boot/images/img-b/kernel")
        }

        let assign = m[2].cli("images", "assign", "worker", "img-a", "-o", "json")
        #expect(assign.code == 0, "\(assign.stderr)")
        #expect(assign.json["role"] as? String == "worker" && assign.json["image"] as? String == "img-a")
        #expect(m[0].cli("kernel-params", "set", "--image", "img-a", "console=ttyS0 quiet").code == 0)
        #expect(m[1].cli("kernel-params", "set", "worker", "quiet=no panic=-1").code == 0)
        for port in ports {
            let base = "http://127.0.0.1:\(port)"
            try await poll("the assigned image and both parameter sets on port \(port)", seconds: 60) {
                Self.script(port).contains(
                    "kernel \(base)/boot/images/img-a/kernel initrd=initrd console=ttyS0 quiet quiet=no panic=-1 kiban.serial=\(Self.serial) ")
            }
            #expect(Self.script(port).contains("initrd --name initrd \(base)/boot/images/img-a/initrd"))
        }
        #expect(m[2].cli("kernel-params", "get", "--image", "img-a", "-o", "json").stdout.contains("console=ttyS0 quiet"))
        #expect(m[2].cli("images", "roles").stdout.contains("worker  img-a"))

        // Listings name the roles of each image, in every output format.
        let list = BlobReplicationTests.imageList(seenBy: m[1])
        #expect(list.first { $0["id"] as? String == "img-a" }?["roles"] as? [String] == ["worker"])
        #expect(list.first { $0["id"] as? String == "img-b" }?["roles"] as? [String] == [])
        #expect(m[1].cli("images", "list", "-o", "yaml").stdout.contains("roles:\n  - worker"))
        #expect(m[1].cli("images", "list").stdout.split(separator: "\n").contains { $0.hasPrefix("img-a ") && $0.hasSuffix(" worker") })

        // Refusals: an unknown id, a deleted id, deleting an assigned image.
        let unknown = m[0].cli("images", "assign", "worker", "img-zz")
        #expect(unknown.code != 0 && unknown.stderr.contains("there is no image img-zz"), "\(unknown.stderr)")
        let refused = m[0].cli("images", "delete", "img-a")
        #expect(refused.code != 0 && refused.stderr.contains("assigned to role worker"), "\(refused.stderr)")
        #expect(m[0].cli("images", "delete", "img-b").code == 0)
        let deleted = m[1].cli("images", "assign", "storage", "img-b")
        #expect(deleted.code != 0 && deleted.stderr.contains("img-b was deleted"), "\(deleted.stderr)")
        #expect(m[1].cli("kernel-params", "set", "--image", "img-b", "x=1").code != 0)

        // Retention keeps the assigned image beyond the kept number.
        #expect(m[0].cli("images", "keep", "1").code == 0)
        for id in ["img-c", "img-d"] {
            let r = try Self.upload(id, on: m[2], files: files)
            #expect(r.code == 0, "\(r.stderr)")
        }
        #expect(BlobReplicationTests.imageIDs(seenBy: m[0]) == ["img-d", "img-a"])

        // Unassigned, the role boots the newest image again and the old one can go, with its parameters.
        let unassign = m[1].cli("images", "unassign", "worker", "-o", "json")
        #expect(unassign.code == 0 && unassign.json["unassigned"] as? String == "img-a", "\(unassign.stderr)")
        #expect(m[1].cli("images", "unassign", "worker").code != 0)
        try await poll("the newest image again", seconds: 60) {
            Self.script(ports[0]).contains("/boot/images/img-d/kernel initrd=initrd quiet=no panic=-1 kiban")
        }
        #expect(m[0].cli("images", "delete", "img-a").code == 0)
        #expect(m[0].cli("kernel-params", "get", "--image", "img-a").code != 0)
    }
}

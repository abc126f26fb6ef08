import Foundation
import KibanNetboot
import Testing

/// Which image a role boots and the kernel command line it gets, and the boot script built from them.
@Suite("Image per role")
struct RoleImageChoiceTests {
    static let blob = BlobReference(sha256: String(repeating: "a", count: 64), size: 1)

    static func image(_ id: String, at seconds: Double) -> ImageRecord {
        ImageRecord(id: id, kernel: blob, initrd: blob, uploaded: Date(timeIntervalSince1970: seconds))
    }

    static let images = [image("new", at: 300), image("old", at: 100), image("mid", at: 200)]

    @Test("A role without an assignment boots the newest upload, whatever the order of the records")
    func newest() {
        #expect(RoleImageChoice.image(forRole: "worker", images: Self.images, assignments: [:]) == .boot(Self.image("new", at: 300)))
        #expect(RoleImageChoice.image(forRole: "worker", images: Self.images.reversed(), assignments: ["cs": "old"]) == .boot(Self.image("new", at: 300)))
    }

    @Test("Equal upload times are broken by id, so every member picks the same image")
    func tie() {
        let images = [Self.image("b", at: 5), Self.image("a", at: 5)]
        #expect(RoleImageChoice.image(forRole: "r", images: images, assignments: [:]) == .boot(Self.image("b", at: 5)))
        #expect(RoleImageChoice.image(forRole: "r", images: images.reversed(), assignments: [:]) == .boot(Self.image("b", at: 5)))
    }

    @Test("An assigned role boots its image even when newer ones exist")
    func assigned() {
        #expect(RoleImageChoice.image(forRole: "worker", images: Self.images, assignments: ["worker": "old"]) == .boot(Self.image("old", at: 100)))
    }

    @Test("An assignment to an image that is not there refuses instead of booting another image")
    func missing() {
        #expect(RoleImageChoice.image(forRole: "worker", images: Self.images, assignments: ["worker": "gone"]) == .missingAssigned("gone"))
        #expect(RoleImageChoice.image(forRole: "worker", images: [], assignments: [:]) == .noImage)
    }

    static let paramCases: [([String: String], [String: String], String)] = [
        (["img": "console=ttyS0"], ["worker": "quiet"], "console=ttyS0 quiet"),
        (["img": "console=ttyS0"], [:], "console=ttyS0"),
        ([:], ["worker": "quiet"], "quiet"),
        (["other": "x=1"], ["cs": "y=2"], ""),
    ]

    @Test("Kernel parameters: the image's, then the role's; either may be absent", arguments: paramCases)
    func params(image: [String: String], role: [String: String], expected: String) {
        #expect(RoleImageChoice.kernelParams(image: "img", role: "worker", imageParams: image, roleParams: role) == expected)
    }

    @Test("Roles by image, sorted")
    func rolesByImage() {
        #expect(RoleImageChoice.roles(byImage: ["ss": "a", "cs": "a", "boot": "b"]) == ["a": ["cs", "ss"], "b": ["boot"]])
    }
}

extension BootServerTests {
    @Test("The machine's script loads its role's image with both parameter sets in order, or refuses a missing assignment")
    func roleImageScript() throws {
        let (server, base, original) = try start()
        defer {
            server.shutdown()
            try? FileManager.default.removeItem(atPath: root)
        }
        var snapshot = original
        snapshot.roleImages = ["worker": "old"]
        snapshot.imageKernelParams = ["old": "console=tty0 ro", "flatcar-1": "never=1"]
        server.update(snapshot)
        let text = try curl(base + "/boot/machines/SN1/ipxe").text
        #expect(
            text.contains(
                "kernel \(base)/boot/images/old/kernel initrd=initrd console=tty0 ro console=ttyS0 quiet kiban.serial=SN1 kiban.config=\(base)/boot/machines/SN1/config"
            ))
        #expect(text.contains("initrd --name initrd \(base)/boot/images/old/initrd"))
        snapshot.roleImages = ["worker": "gone"]
        server.update(snapshot)
        let refused = try curl(base + "/boot/machines/SN1/ipxe").text
        #expect(refused.contains("role worker is assigned image gone, which does not exist") && refused.hasSuffix("exit 1\n"))
    }
}

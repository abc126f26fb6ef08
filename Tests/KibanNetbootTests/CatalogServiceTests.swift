import Foundation
import KibanNetboot
import KibanStore
import KibanTestSupport
import Testing

@Suite("Catalog service on a one-member store")
struct CatalogServiceTests {
    @Test("An id is used once: an existing or deleted id is refused before the upload unless forced; a bad id always")
    func uploadChecks() async throws {
        let cluster = try await oneMemberStore()
        let catalog = CatalogService(store: cluster.stores[0])
        try await catalog.upload("img-a", "a", "b", at: 0)
        let existing = await #expect(throws: NetbootError.self) { try await catalog.checkImageUpload(id: "img-a", force: false) }
        #expect(existing?.code == .conflict)
        try await catalog.deleteImage(id: "img-a", reason: "deleted by uid 1000", author: alice(1))
        let deleted = await #expect(throws: NetbootError.self) { try await catalog.checkImageUpload(id: "img-a", force: false) }
        #expect(deleted?.code == .conflict)
        #expect(deleted?.message.contains("deleted by uid 1000") == true)
        try await catalog.checkImageUpload(id: "img-a", force: true)
        let bad = await #expect(throws: NetbootError.self) { try await catalog.checkImageUpload(id: "../x", force: true) }
        #expect(bad?.code == .invalidInput)
        // Committing without force over the tombstone fails in the transaction too.
        await #expect(throws: NetbootError.self) { try await catalog.upload("img-a", "c", "d", at: 2) }
        try await catalog.commitImage(id: "img-a", kernel: blob("c"), initrd: blob("d"), force: true, holder: m1, author: alice(3))
        #expect(try await catalog.images().map(\.record.kernel) == [blob("c")])
        await cluster.stop()
    }

    @Test("Retention deletes the oldest images beyond the kept number, leaves tombstones, and never an assigned image")
    func retention() async throws {
        let cluster = try await oneMemberStore()
        let catalog = CatalogService(store: cluster.stores[0])
        try await catalog.setImageSettings(ImageSettings(kept: 2), author: alice())
        try await catalog.upload("old", "1", "2", at: 10)
        try await catalog.assign(role: "worker", image: "old", author: alice(11))
        try await catalog.upload("mid", "3", "4", at: 20)
        try await catalog.upload("new", "5", "6", at: 30)
        // Only "old" is beyond the newest two, and it is assigned: nothing goes.
        #expect(try await catalog.images().map(\.record.id) == ["new", "mid", "old"])
        try await catalog.upload("newer", "7", "8", at: 40)
        // "old" and "mid" are beyond the newest two; "old" is assigned, so "mid" goes.
        #expect(try await catalog.images().map(\.record.id) == ["newer", "new", "old"])
        let gone = await #expect(throws: NetbootError.self) { try await catalog.assign(role: "db", image: "mid", author: alice(31)) }
        #expect(gone?.code == .notFound)
        #expect(gone?.message.contains("retention keeps the newest 2") == true)
        #expect(try await cluster.stores[0].audit("image.retention").map(\.subject) == ["mid"])
        let refused = await #expect(throws: NetbootError.self) { try await catalog.setImageSettings(ImageSettings(kept: 0), author: alice()) }
        #expect(refused?.code == .invalidInput)
        #expect(try await catalog.imageSettings().kept == 2)
        await cluster.stop()
    }

    @Test("An assigned image cannot be deleted; unassigning names the image; listings show roles and holders")
    func assignments() async throws {
        let cluster = try await oneMemberStore()
        var catalog = CatalogService(store: cluster.stores[0])
        let image = try await catalog.upload("img", "a", "b", at: 0)
        #expect(image.holders == ["m1"])
        try await catalog.assign(role: "worker", image: "img", author: alice(1))
        let refused = await #expect(throws: NetbootError.self) { try await catalog.deleteImage(id: "img", reason: "", author: alice(2)) }
        #expect(refused?.code == .conflict)
        #expect(try await catalog.images().first?.roles == ["worker"])
        #expect(try await catalog.roleImages() == ["worker": "img"])
        // Presence of a member no longer in the cluster is not counted.
        catalog.members = { ["m2"] }
        #expect(try await catalog.images().first?.holders == [])
        #expect(try await catalog.unassign(role: "worker", author: alice(3)) == "img")
        let none = await #expect(throws: NetbootError.self) { try await catalog.unassign(role: "worker", author: alice(4)) }
        #expect(none?.code == .notFound)
        try await catalog.deleteImage(id: "img", reason: "done", author: alice(5))
        #expect(try await catalog.images().isEmpty)
        let actions = try await cluster.stores[0].audit("image").map(\.action)
        #expect(actions == ["image.upload", "image.assign", "image.unassign", "image.delete"])
        await cluster.stop()
    }

    @Test("Image kernel parameters need an existing image and one line without '$'; deleting the image deletes them")
    func imageKernelParams() async throws {
        let cluster = try await oneMemberStore()
        let catalog = CatalogService(store: cluster.stores[0])
        let missing = await #expect(throws: NetbootError.self) { try await catalog.setKernelParams(image: "img", params: "quiet", author: alice()) }
        #expect(missing?.code == .notFound)
        try await catalog.upload("img", "a", "b", at: 0)
        let dollar = await #expect(throws: NetbootError.self) { try await catalog.setKernelParams(image: "img", params: "a=$x", author: alice()) }
        #expect(dollar?.code == .invalidInput)
        let long = String(repeating: "x", count: KernelCommandLine.bytesMax + 1)
        await #expect(throws: NetbootError.self) { try await catalog.setKernelParams(image: "img", params: long, author: alice()) }
        try await catalog.setKernelParams(image: "img", params: "  console=ttyS0 ", author: alice(1))
        #expect(try await catalog.kernelParams(image: "img") == [ImageKernelParamsRecord(image: "img", params: "console=ttyS0")])
        try await catalog.deleteImage(id: "img", reason: "", author: alice(2))
        #expect(try await catalog.kernelParams(image: nil).isEmpty)
        await #expect(throws: NetbootError.self) { try await catalog.kernelParams(image: "img") }
        await cluster.stop()
    }

    @Test("Assets: a bad name or content type is refused; uploading a name again replaces it; deleting twice is not found")
    func assets() async throws {
        let cluster = try await oneMemberStore()
        let catalog = CatalogService(store: cluster.stores[0])
        #expect(throws: NetbootError.self) { try CatalogService.checkAssetUpload(name: "a/b", contentType: "text/plain") }
        #expect(throws: NetbootError.self) { try CatalogService.checkAssetUpload(name: "ok", contentType: "plain") }
        try CatalogService.checkAssetUpload(name: "ok", contentType: "text/plain")
        try await catalog.commitAsset(name: "ok", blob: blob("a"), contentType: "text/plain", holder: m1, author: alice())
        let replaced = try await catalog.commitAsset(name: "ok", blob: blob("b"), contentType: "text/plain", holder: m1, author: alice(1))
        #expect(replaced.holders == ["m1"])
        #expect(try await catalog.assets().map(\.record.blob) == [blob("b")])
        #expect(try await catalog.asset(name: "ok").record.uploaded == serviceT0 + 1)
        try await catalog.deleteAsset(name: "ok", author: alice(2))
        let again = await #expect(throws: NetbootError.self) { try await catalog.deleteAsset(name: "ok", author: alice(3)) }
        #expect(again?.code == .notFound)
        await #expect(throws: NetbootError.self) { try await catalog.asset(name: "ok") }
        #expect(try await cluster.stores[0].audit("asset").map(\.action) == ["asset.upload", "asset.upload", "asset.delete"])
        await cluster.stop()
    }
}

import Foundation
import KibanNetboot
import KibanStore
import KibanTestSupport
import Testing

@Suite("Template service on a one-member store")
struct TemplateServiceTests {
    @Test("A version is never overwritten, a template that does not compile is refused, and only the newest five are kept")
    func versions() async throws {
        let cluster = try await oneMemberStore()
        let templates = TemplateService(store: cluster.stores[0])
        let broken = await #expect(throws: NetbootError.self) {
            try await templates.setTemplate(role: "worker", version: "v0", text: "{{#a}}x{{/b}}", author: alice())
        }
        #expect(broken?.code == .invalidTemplate)
        let badRole = await #expect(throws: NetbootError.self) {
            try await templates.setTemplate(role: "a/b", version: "v0", text: "x", author: alice())
        }
        #expect(badRole?.code == .invalidInput)
        for i in 1...(TemplateService.versionsMax + 1) {
            try await templates.setTemplate(role: "worker", version: "v\(i)", text: "text \(i)", author: alice(Double(i)))
        }
        let again = await #expect(throws: NetbootError.self) {
            try await templates.setTemplate(role: "worker", version: "v6", text: "other", author: alice(10))
        }
        #expect(again?.code == .conflict)
        let listed = try await templates.templates(role: "worker")
        #expect(listed.map(\.version) == ["v2", "v3", "v4", "v5", "v6"])
        #expect(listed.map(\.current) == [false, false, false, false, true])
        #expect(listed.allSatisfy { $0.text == nil })
        #expect(try await templates.template(role: "worker", version: nil).text == "text 6")
        #expect(try await templates.template(role: "worker", version: "v3").text == "text 3")
        await #expect(throws: NetbootError.self) { try await templates.template(role: "worker", version: "v1") }
        try await templates.deleteTemplate(role: "worker", version: "v6", author: alice(11))
        #expect(try await templates.template(role: "worker", version: nil).version == "v5")
        let gone = await #expect(throws: NetbootError.self) { try await templates.deleteTemplate(role: "worker", version: "v6", author: alice(12)) }
        #expect(gone?.code == .notFound)
        #expect(try await cluster.stores[0].audit("template").map(\.action).filter { $0 == "template.delete" }.count == 1)
        await cluster.stop()
    }

    @Test("Kernel parameters per role: trimmed, one line without '$', at most the bytes a command line has room for")
    func kernelParams() async throws {
        let cluster = try await oneMemberStore()
        let templates = TemplateService(store: cluster.stores[0])
        await #expect(throws: NetbootError.self) { try await templates.kernelParams(role: "worker") }
        try await templates.setKernelParams(role: "worker", params: " console=ttyS0 ", author: alice())
        try await templates.setKernelParams(role: "db", params: "quiet", author: alice(1))
        #expect(try await templates.kernelParams(role: nil).map(\.role) == ["db", "worker"])
        #expect(try await templates.kernelParams(role: "worker").first?.params == "console=ttyS0")
        let newline = await #expect(throws: NetbootError.self) { try await templates.setKernelParams(role: "db", params: "a\nb", author: alice()) }
        #expect(newline?.code == .invalidInput)
        let long = String(repeating: "y", count: KernelCommandLine.bytesMax + 1)
        await #expect(throws: NetbootError.self) { try await templates.setKernelParams(role: "db", params: long, author: alice()) }
        #expect(try await templates.kernelParams(role: "db").first?.params == "quiet")
        let entries = try await cluster.stores[0].audit("kernel-params")
        #expect(entries.map(\.subject) == ["worker", "db"])
        #expect(entries.first?.actor == alice().actor)
        #expect(entries.first?.member == "m1")
        await cluster.stop()
    }
}

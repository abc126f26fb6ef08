import Foundation
import KibanAdminAPI
import Testing

/// The contract, the operator's documentation and the OpenAPI document list the same routes.
/// The daemon's router is checked against the contract in KibanServerTests (`AdminRouterContractTests`).
@Suite("The admin API contract, docs/admin-api.md and the OpenAPI document agree")
struct AdminContractTests {
    /// The package's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("Every route of the contract is in docs/admin-api.md, and every route there is in the contract")
    func documentation() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/admin-api.md"), encoding: .utf8)
        let documented = DocumentedRoutes.parse(markdown: text)
        let contract = Set(AdminRoute.all.map { DocumentedRoutes.Key(method: $0.method, template: $0.template) })
        let undocumented = contract.subtracting(documented).sorted()
        let unknown = documented.subtracting(contract).sorted()
        #expect(undocumented.isEmpty, "in the contract (AdminRoute+Catalog.swift) but not in docs/admin-api.md: \(undocumented)")
        #expect(unknown.isEmpty, "in docs/admin-api.md but not in the contract (AdminRoute+Catalog.swift): \(unknown)")
    }

    @Test("docs/admin-api.openapi.json is the document generated from the contract (KIBAN_REWRITE_GOLDEN=1 rewrites it)")
    func openAPI() throws {
        let url = Self.root.appendingPathComponent("docs/admin-api.openapi.json")
        let generated = AdminRoute.openAPIDocument()
        if ProcessInfo.processInfo.environment["KIBAN_REWRITE_GOLDEN"] == "1" { try generated.write(to: url) }
        let committed = try Data(contentsOf: url)
        #expect(
            committed == generated, "docs/admin-api.openapi.json differs from the contract: run KIBAN_REWRITE_GOLDEN=1 swift test --filter AdminContractTests")
        // And read back as OpenAPI: each path has the contract's methods, with its parameters.
        let document = try #require(try JSONSerialization.jsonObject(with: committed) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let listed = Set(paths.flatMap { path, methods in methods.keys.map { DocumentedRoutes.Key(method: $0.uppercased(), template: path) } })
        #expect(listed == Set(AdminRoute.all.map { DocumentedRoutes.Key(method: $0.method, template: $0.template) }))
        #expect(document["openapi"] as? String == "3.0.3")
    }

    @Test("No route is listed twice, and every template is /v1/ with named parameters")
    func catalogShape() {
        let keys = AdminRoute.all.map { "\($0.method) \($0.template)" }
        #expect(Set(keys).count == keys.count, "duplicates: \(Dictionary(grouping: keys, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
        for route in AdminRoute.all {
            #expect(route.template.hasPrefix("/v1/"), "\(route.template)")
            #expect(["GET", "PUT", "POST", "DELETE"].contains(route.method), "\(route.method)")
            #expect(!route.summary.isEmpty)
        }
    }

    @Test("A path built from a template percent-encodes each value as one segment")
    func pathBuilder() {
        let route = AdminRoute("PUT", "/v1/machines/{serial}/labels/{key}", "")
        #expect(route.parameters == ["serial", "key"])
        #expect(route.path("abc 1", "a/b") == "/v1/machines/abc%201/labels/a%2Fb")
        #expect(route.path("..", "~x-y_z.") == "/v1/machines/../labels/~x-y_z.")
    }

    @Test("The routes read from a documentation table: optional segments, queries and several per row")
    func documentationParser() {
        let text = """
            | method and path | body | answer |
            | --- | --- | --- |
            | `GET /v1/kernel-params[/ROLE]` | | x |
            | `GET /v1/image-settings`, `PUT /v1/image-settings` | `{kept}` | y |
            | `DELETE /v1/members/NAME?force=true` | | `{removed}` |
            | `GET /v1/dhcp/leases[?rack=R]` | | z |
            Not a row: `GET /v1/other`.
            """
        #expect(
            DocumentedRoutes.parse(markdown: text)
                == [
                    .init(method: "GET", template: "/v1/kernel-params"), .init(method: "GET", template: "/v1/kernel-params/{}"),
                    .init(method: "GET", template: "/v1/image-settings"), .init(method: "PUT", template: "/v1/image-settings"),
                    .init(method: "DELETE", template: "/v1/members/{}"), .init(method: "GET", template: "/v1/dhcp/leases"),
                ])
    }
}

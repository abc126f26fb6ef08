import Foundation
import KibanAdminAPI
import Logging
import NIOHTTP1
import Testing

@testable import KibanServer

/// The daemon serves every route of the admin API contract (`AdminRoute.all`); the contract and
/// the documentation are compared in KibanAdminAPITests. A daemon outside any cluster is enough:
/// each handler it reaches refuses with "not in a cluster yet", which is not "no such endpoint".
@Suite("The daemon's router serves every route of the admin API contract")
struct AdminRouterContractTests {
    @Test("Each JSON route reaches a handler, each stream and upload route its own path")
    func everyRouteIsServed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-contract-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var config = ServerConfig()
        config.dataDir = directory
        let router = AdminRouter(daemon: Daemon(config: config, logger: Logger(label: "contract")), logger: Logger(label: "contract"))
        let caller = Caller(pid: 1, uid: 0, gid: 0)
        // `POST /v1/init` would make a cluster; it is served by the same switch as `POST /v1/join`.
        for route in AdminRoute.all where route.template != "/v1/init" {
            let path = route.path(route.parameters.map { _ in "x" })
            switch route.kind {
            case .json:
                let (status, body) = await router.route(method: HTTPMethod(rawValue: route.method), uri: path, body: Data(), caller: caller)
                let message = (try? JSONDecoder().decode([String: String].self, from: Data(body)))?["message"] ?? ""
                #expect(!message.contains("no admin endpoint") && !message.contains(" takes "), "\(route.method) \(path): \(status) \(message)")
            case .stream:
                #expect(AdminStreaming.handles(HTTPMethod(rawValue: route.method), path), "\(route.method) \(path)")
            case .upload:
                // Recognised as an upload: refused for its missing Content-Length, not passed on (nil).
                #expect(throws: ServerError.self, "\(route.method) \(path) is not an upload") {
                    try AdminUpload.parse(method: route.method, path: path, query: ["size": "1", "kernelSize": "1", "initrdSize": "1"], contentLength: nil)
                }
            }
        }
    }

    @Test("A path outside the contract is no endpoint")
    func unknownRoute() async {
        var config = ServerConfig()
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-contract-\(UUID().uuidString)").path
        let router = AdminRouter(daemon: Daemon(config: config, logger: Logger(label: "contract")), logger: Logger(label: "contract"))
        let (status, body) = await router.route(method: .GET, uri: "/v1/no-such-thing", body: Data(), caller: Caller(pid: 1, uid: 0, gid: 0))
        #expect(status == 404)
        #expect(String(decoding: body, as: UTF8.self).contains("no admin endpoint"))
    }
}

import Foundation
public import KibanRaft
public import KibanStore
import Logging

/// Real stores with real SQLite files in a fresh temporary directory, connected by a
/// `LocalNetwork`: one member, or several. The directory is removed with the value. Services
/// of every module are tested against these (a module's service over a one-member store).
public final class StoreCluster: Sendable {
    /// The temporary directory holding every member's files.
    public let path: String
    /// The in-process network between the members.
    public let network = LocalNetwork()
    /// The members, in id order (ids 1…n).
    public let stores: [Store]

    /// Opens `members` stores that bootstrap one cluster, with fast ticks for tests.
    public init(members: Int, label: String = "kiban-test") async throws {
        path = NSTemporaryDirectory() + label + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let ids = (1...NodeID(members)).map { $0 }
        let logger = Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
        var stores: [Store] = []
        for id in ids {
            let o = Self.options(id: id, directory: path + "/m\(id)", bootstrap: ConfState(voters: Set(ids)))
            stores.append(try await Store.open(o, transport: network.transport(for: id), logger: logger))
        }
        self.stores = stores
    }

    /// A test member's options: fast ticks (10 ms) and requests that give up after 50 of them.
    /// `bootstrap` nil: a member that starts empty and waits to be added.
    public static func options(id: NodeID, directory: String, bootstrap: ConfState?) -> StoreOptions {
        var o = StoreOptions(id: id, directory: directory, bootstrap: bootstrap)
        o.tickInterval = .milliseconds(10)
        o.requestTimeoutTicks = 50
        return o
    }

    /// Stops every member.
    public func stop() async {
        for s in stores { await s.stop() }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

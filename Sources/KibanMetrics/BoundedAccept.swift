package import NIOCore
import Synchronization

/// The accept loop of the HTTP listeners (the metrics port here, the node API in KibanServer):
/// each accepted connection is served in its own task, at most `connectionsMax` at once; more
/// are closed on accept, before anything is read from them.
package enum BoundedAccept {
    /// Serves `server`'s connections with `serve` until the listener closes; `stopped` is told
    /// why the listener failed, when it did.
    package static func run<Inbound: Sendable, Outbound: Sendable>(
        _ server: NIOAsyncChannel<NIOAsyncChannel<Inbound, Outbound>, Never>, connectionsMax: Int,
        serve: @escaping @Sendable (NIOAsyncChannel<Inbound, Outbound>) async -> Void,
        stopped: @escaping @Sendable (any Error) -> Void
    ) async {
        let open = ConnectionCount()
        _ = try? await server.executeThenClose { inbound in
            await withDiscardingTaskGroup { group in
                do {
                    for try await child in inbound {
                        guard open.value.add(1, ordering: .relaxed).newValue <= connectionsMax else {
                            open.value.subtract(1, ordering: .relaxed)
                            try? await child.channel.close()
                            continue
                        }
                        group.addTask {
                            await serve(child)
                            open.value.subtract(1, ordering: .relaxed)
                        }
                    }
                } catch {
                    stopped(error)
                }
            }
        }
    }
}

/// Connections open now (shared by the accept loop and the connections' tasks).
private final class ConnectionCount: Sendable {
    let value = Atomic<Int>(0)
}

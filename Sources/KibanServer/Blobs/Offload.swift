import Dispatch

/// Blocking file work (fsync of a large file, hashing a partial transfer again) on a Dispatch
/// thread, so that it does not hold one of the few cooperative threads the store and the
/// network run on.
enum Offload {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async { continuation.resume(with: Result { try body() }) }
        }
    }
}

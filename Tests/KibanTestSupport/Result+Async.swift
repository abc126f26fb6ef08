extension Result where Failure == any Error {
    /// The outcome of an async throwing `body` as a value, for `#expect` on a refusal.
    public init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

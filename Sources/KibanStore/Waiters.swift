/// Callers suspended until an answer arrives or their deadline (in ticks) passes.
struct Waiters<Value: Sendable> {
    private var entries: [UInt64: (continuation: CheckedContinuation<Value, any Error>, deadline: UInt64)] = [:]

    mutating func add(_ key: UInt64, _ continuation: CheckedContinuation<Value, any Error>, deadline: UInt64) {
        entries[key] = (continuation, deadline)
    }

    /// Resumes the waiter for `key`, if it still waits.
    mutating func resume(_ key: UInt64, returning value: Value) {
        entries.removeValue(forKey: key)?.continuation.resume(returning: value)
    }

    /// Fails the waiter for `key`, if it still waits.
    mutating func fail(_ key: UInt64, _ error: StoreError) {
        entries.removeValue(forKey: key)?.continuation.resume(throwing: error)
    }

    /// Fails every waiter whose deadline is at or before `now` with `unavailable`.
    mutating func expire(now: UInt64) {
        for (key, entry) in entries where entry.deadline <= now {
            entries.removeValue(forKey: key)
            entry.continuation.resume(throwing: StoreError(.unavailable, "no answer within the request timeout"))
        }
    }

    /// Fails every waiter with `error`.
    mutating func failAll(_ error: StoreError) {
        let all = entries
        entries = [:]
        for entry in all.values { entry.continuation.resume(throwing: error) }
    }
}

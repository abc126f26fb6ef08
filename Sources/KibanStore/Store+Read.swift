import KibanRaft

/// Reads: linearizable through ReadIndex (Raft thesis §6.4), or serializable from local state.
extension Store {
    /// Waits until this member has applied everything committed when the call began, as
    /// confirmed by a quorum through the leader (ReadIndex; a follower asks the leader).
    func readBarrier() async throws(StoreError) {
        for attempt in 1...options.requestAttemptsMax {
            try checkRunning()
            let id = UInt64.random(in: 1...UInt64.max)
            let deadline = ticks + UInt64(options.requestTimeoutTicks)
            do {
                // Registered before the request goes in, in the same turn of the actor.
                try await withCheckedThrowingContinuation { c in
                    reads.add(id, c, deadline: deadline)
                    node.readIndex(context: Self.context(id))
                    scheduleReady()
                }
                return
            } catch let error as StoreError where error.code == .unavailable && attempt < options.requestAttemptsMax {
                continue
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.unavailable, "\(error)")
            }
        }
        throw StoreError(.unavailable, "no leader confirmed a read point; check that a majority of members run")
    }

    static func context(_ id: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: id >> (8 * $0)) } }

    /// A read point confirmed by the leader: answer once it is applied.
    func readConfirmed(_ rs: ReadState) {
        guard rs.context.count == 8 else { return }
        let id = rs.context.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        readsAwaitingApply[id] = rs.index
        releaseAppliedReads()
    }

    func releaseAppliedReads() {
        for (id, index) in readsAwaitingApply where index <= machine.appliedIndex {
            readsAwaitingApply.removeValue(forKey: id)
            reads.resume(id, returning: ())
        }
    }

    /// The current record of `key`, or nil when it does not exist.
    public func get(_ key: [UInt8], consistency: ReadConsistency = .linearizable) async throws(StoreError) -> KeyValue? {
        try await range(.key(key), consistency: consistency).kvs.first
    }

    /// Keys in `range` in key order: at most `limit` (0: all), at `revision` (0: current).
    /// - Throws: ``StoreError`` `compacted` (re-read at the current revision), `futureRevision`,
    ///   `unavailable`.
    public func range(
        _ range: KeyRange, limit: Int = 0, revision: Int64 = 0,
        consistency: ReadConsistency = .linearizable
    ) async throws(StoreError) -> RangeResult {
        let start = ContinuousClock.now
        do {
            let result = try await rangeMeasured(range, limit: limit, revision: revision, consistency: consistency)
            metrics.request("range", outcome: "ok", duration: ContinuousClock.now - start)
            return result
        } catch {
            metrics.request("range", outcome: error.code.rawValue, duration: ContinuousClock.now - start)
            throw error
        }
    }

    private func rangeMeasured(
        _ range: KeyRange, limit: Int, revision: Int64,
        consistency: ReadConsistency
    ) async throws(StoreError) -> RangeResult {
        if consistency == .linearizable { try await readBarrier() }
        let (kvs, more) =
            revision == 0
            ? try machine.range(range, limit: limit)
            : try machine.range(range, limit: limit, at: revision)
        return RangeResult(kvs: kvs, more: more, revision: machine.revision)
    }
}

/// The answer to a range read.
public struct RangeResult: Sendable, Hashable {
    /// The keys found, in key order.
    public var kvs: [KeyValue]
    /// True when more keys matched than the limit allowed.
    public var more: Bool
    /// The store revision the read saw.
    public var revision: Int64
}

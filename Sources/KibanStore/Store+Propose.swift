import KibanRaft

/// Proposals: every write goes through the log, retried with the same sequence until applied.
extension Store {
    /// Proposes `command` and waits until this member applied it. A proposal made on a
    /// follower is forwarded to the leader by Raft; one that is lost (leader change) is
    /// proposed again with the same client id and sequence, so it applies at most once.
    /// - Throws: ``StoreError`` `unavailable` when no leader commits it in
    ///   ``StoreOptions/requestAttemptsMax`` request timeouts, `stopped` after ``stop()``.
    public func propose(_ command: Command) async throws(StoreError) -> CommandResult {
        let start = ContinuousClock.now
        do {
            let result = try await proposeRetrying(command)
            var outcome = "ok"
            if case .failed(let error) = result { outcome = error.code.rawValue }
            metrics.proposal(applied: true)
            metrics.request(command.metricOp, outcome: outcome, duration: ContinuousClock.now - start)
            return result
        } catch {
            metrics.proposal(applied: false)
            metrics.request(command.metricOp, outcome: error.code.rawValue, duration: ContinuousClock.now - start)
            throw error
        }
    }

    private func proposeRetrying(_ command: Command) async throws(StoreError) -> CommandResult {
        let sequence = nextSequence
        nextSequence += 1
        // Until this call returns, no later proposal may tell the state machine to forget it.
        unanswered.insert(sequence)
        defer { unanswered.remove(sequence) }
        var attempt = 0
        while true {
            try checkRunning()
            attempt += 1
            let acknowledged = unanswered.min() ?? sequence
            let payload = Proposal(
                client: client, sequence: sequence, acknowledgedBelow: acknowledged,
                command: command
            ).encoded()
            do {
                return try await submit(payload, sequence: sequence)
            } catch let error where error.code == .noLeader && attempt < options.requestAttemptsMax * 10 {
                // No leader yet: wait a little (an election takes a few ticks), then retry.
                try await waitTicks(1)
            } catch let error where error.code == .unavailable && attempt < options.requestAttemptsMax {
                continue
            } catch let error where error.code == .noLeader {
                throw StoreError(.unavailable, "no leader: \(error.message); check that a majority of members run")
            }
        }
    }

    /// Proposes `payload` and waits for its result. The waiter is registered before the
    /// proposal goes in, in the same turn of the actor, so a result can never arrive unseen.
    private func submit(_ payload: [UInt8], sequence: UInt64) async throws(StoreError) -> CommandResult {
        let deadline = ticks + UInt64(options.requestTimeoutTicks)
        do {
            return try await withCheckedThrowingContinuation { c in
                proposals.add(sequence, c, deadline: deadline)
                do {
                    try node.propose(payload)
                    scheduleReady()
                } catch {
                    proposals.fail(sequence, StoreError(.noLeader, "\(error)"))
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "\(error)")
        }
    }

    /// Suspends for `n` ticks.
    func waitTicks(_ n: UInt64) async throws(StoreError) {
        let id = UInt64.random(in: 1...UInt64.max)
        do {
            try await withCheckedThrowingContinuation { c in tickWaits.add(id, c, deadline: ticks + n) }
        } catch let error as StoreError where error.code == .unavailable {
            return
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "\(error)")
        }
    }

    func checkRunning() throws(StoreError) {
        guard !stopped else { throw StoreError(.stopped, "the store was stopped") }
    }
}

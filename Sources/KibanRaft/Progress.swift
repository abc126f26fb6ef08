/// How the leader is replicating to one follower.
public enum ProgressState: String, Sendable, Hashable, Codable {
    /// Unknown match: one append at a time until the follower accepts one.
    case probe
    /// Known match: appends are pipelined within the in-flight limits.
    case replicate
    /// A snapshot is on its way; nothing else is sent until it is acknowledged.
    case snapshot
}

/// The leader's view of one member's log (Figure 2's nextIndex/matchIndex, plus flow control).
struct Progress {
    /// Highest index known to be replicated on the member.
    var match: UInt64 = 0
    /// Next index to send.
    var next: UInt64
    var state: ProgressState = .probe
    /// In ``ProgressState/snapshot``: the index of the snapshot being sent.
    var pendingSnapshot: UInt64 = 0
    /// In ``ProgressState/snapshot``: election timeouts elapsed since the snapshot was sent.
    var snapshotAgeRounds = 0
    /// Heard from since the last check-quorum round.
    var recentActive = false
    /// In ``ProgressState/probe``: an append is outstanding, wait for an answer or a heartbeat.
    var probeSent = false
    var inflights: Inflights

    init(next: UInt64, inflights: Inflights) {
        self.next = next
        self.inflights = inflights
    }

    /// True when the leader should not send appends now.
    var isPaused: Bool {
        switch state {
        case .probe: return probeSent
        case .replicate: return inflights.isFull
        case .snapshot: return true
        }
    }

    private mutating func resetState(_ new: ProgressState) {
        probeSent = false
        pendingSnapshot = 0
        snapshotAgeRounds = 0
        state = new
        inflights.reset()
    }

    mutating func becomeProbe() {
        if state == .snapshot {
            let pending = pendingSnapshot
            resetState(.probe)
            next = max(match + 1, pending + 1)
        } else {
            resetState(.probe)
            next = match + 1
        }
    }

    mutating func becomeReplicate() {
        resetState(.replicate)
        next = match + 1
    }

    mutating func becomeSnapshot(index: UInt64) {
        resetState(.snapshot)
        pendingSnapshot = index
    }

    /// Records an acknowledgement up to `index`; false when it is stale.
    mutating func maybeUpdate(_ index: UInt64) -> Bool {
        var updated = false
        if match < index {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// Handles a rejection of the append that followed `rejected`, with the follower's hint;
    /// false when the rejection is stale (duplicated or reordered).
    mutating func maybeDecrease(rejected: UInt64, hint: UInt64) -> Bool {
        if state == .replicate {
            guard rejected > match else { return false }
            next = match + 1
            return true
        }
        guard next - 1 == rejected else { return false }
        next = max(min(rejected, hint + 1), match + 1)
        probeSent = false
        return true
    }
}

extension Raft {
    /// Handles a message from another node. Term 0 marks requests that carry no term
    /// (proposals and reads forwarded to the leader).
    mutating func step(_ m: Message) {
        if m.term > term {
            guard handleHigherTerm(m) else { return }
        } else if m.term != 0 && m.term < term {
            handleLowerTerm(m)
            return
        }
        switch m.kind {
        case .vote, .preVote:
            handleVoteRequest(m)
            return
        default:
            break
        }
        switch role {
        case .leader: stepLeader(m)
        case .candidate, .preCandidate: stepCandidate(m)
        case .follower: stepFollower(m)
        }
    }

    /// A message from a later term. Returns false when the message is to be ignored.
    private mutating func handleHigherTerm(_ m: Message) -> Bool {
        if m.kind == .vote || m.kind == .preVote {
            // Leader stickiness (thesis §4.2.3, §9.6): while we hear from a leader, a vote
            // request is from a node that was cut off or removed, unless a transfer started it.
            let transfer = m.context == campaignTransferContext
            let inLease = config.checkQuorum && lead != 0 && electionElapsed < config.electionTimeoutTicks
            if inLease && !transfer { return false }
        }
        switch m.kind {
        case .preVote:
            // Answering a pre-vote never changes our term.
            return true
        case .preVoteResponse where !m.reject:
            // A granted pre-vote carries the future term; we move to it when we campaign.
            return true
        case .append, .heartbeat, .snapshot:
            becomeFollower(term: m.term, lead: m.from)
        default:
            becomeFollower(term: m.term, lead: 0)
        }
        return true
    }

    /// A message from an earlier term: tell its sender our term so that it catches up.
    private mutating func handleLowerTerm(_ m: Message) {
        if (config.checkQuorum || config.preVote) && (m.kind == .heartbeat || m.kind == .append) {
            // A stale leader (say, one cut off that could not step down) learns our term from
            // this and steps down; without it, it could keep sending forever.
            var r = Message(kind: .appendResponse, from: id, to: m.from, term: term)
            r.index = log.lastIndex
            send(r)
        } else if m.kind == .preVote {
            var r = Message(kind: .preVoteResponse, from: id, to: m.from, term: term)
            r.reject = true
            send(r)
        }
    }

    /// §5.2, §5.4.1: one vote per term, only for a candidate whose log is at least as
    /// up-to-date as ours. Pre-votes follow the same rules without recording anything.
    private mutating func handleVoteRequest(_ m: Message) {
        let isPre = m.kind == .preVote
        let canVote =
            vote == m.from || (vote == 0 && lead == 0) || (isPre && m.term > term)
            || (!isPre && config.unsafeVariants.contains(.voteTwiceInTerm))
        let upToDate =
            config.unsafeVariants.contains(.voteWithoutLogCheck)
            || log.isUpToDate(lastIndex: m.logIndex, term: m.logTerm)
        var r = Message(kind: isPre ? .preVoteResponse : .voteResponse, from: id, to: m.from, term: term)
        if canVote && upToDate {
            // Answer in the candidate's term: a pre-candidate is still in the previous one.
            r.term = m.term
            if !isPre {
                electionElapsed = 0
                vote = m.from
            }
        } else {
            r.reject = true
        }
        send(r)
    }

    /// Starts an election, or a pre-vote first when configured (a transfer skips it).
    mutating func hup(transfer: Bool) {
        guard role != .leader, isPromotable else { return }
        if config.preVote && !transfer {
            campaign(preVote: true, transfer: false)
        } else {
            campaign(preVote: false, transfer: transfer)
        }
    }

    mutating func campaign(preVote: Bool, transfer: Bool) {
        let voteTerm: UInt64
        if preVote {
            becomePreCandidate()
            voteTerm = term + 1
        } else {
            becomeCandidate()
            voteTerm = term
        }
        votes[id] = true
        if tallyVotes() { return }
        for voter in conf.voters.sorted() where voter != id {
            var m = Message(kind: preVote ? .preVote : .vote, from: id, to: voter, term: voteTerm)
            m.logIndex = log.lastIndex
            m.logTerm = log.lastTerm
            if transfer { m.context = campaignTransferContext }
            send(m)
        }
    }

    /// Counts votes; on a decision, acts on it and returns true.
    @discardableResult
    mutating func tallyVotes() -> Bool {
        let granted = conf.voters.filter { votes[$0] == true }.count
        let rejected = conf.voters.filter { votes[$0] == false }.count
        if granted >= quorum {
            if role == .preCandidate {
                campaign(preVote: false, transfer: false)
            } else {
                becomeLeader()
                broadcastAppend()
            }
            return true
        }
        if rejected > conf.voters.count - quorum {
            becomeFollower(term: term, lead: 0)
            return true
        }
        return false
    }
}

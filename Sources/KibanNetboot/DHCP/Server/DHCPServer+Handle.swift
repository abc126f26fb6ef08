import KibanIO
import KibanStore
import Logging

extension DHCPServer {
    /// What the handler does with one request after deciding, under the view's lock.
    enum Step {
        case drop(DHCPCounters.DropReason, String)
        case send(DHCPMessage, ReplyDestination)
        case commit(LeaseChange, revision: Int64, reply: (DHCPMessage, ReplyDestination)?)
        /// The same client's change of this address is being committed: the reply goes out
        /// once that commit wins (the client's own earlier request, or perfdhcp-like clients
        /// with two exchanges under way).
        case afterCommit(of: UInt32, reply: DHCPMessage, ReplyDestination)
    }

    /// Answers one datagram (on a ring thread; must not block): decides under the view's lock,
    /// then, when a lease changes, queues it for the next store transaction and replies only if
    /// the commit won.
    func handle(_ datagram: Datagram, _ replier: DatagramReplier) {
        count { $0.received += 1 }
        let message: DHCPMessage
        do {
            message = try DHCPMessage(bytes: datagram.payload)
        } catch {
            count { $0.dropped[.malformed, default: 0] += 1 }
            logger.debug(
                "malformed DHCP datagram",
                metadata: [
                    "kiban.dhcp.source": "\(datagram.source)",
                    "kiban.dhcp.reason": "\(error.reason)",
                ])
            return
        }
        count { $0.receivedByType[message.messageType.map { "\($0)" } ?? "none", default: 0] += 1 }
        let configuration = self.configuration
        if let refusal = admit(message, configuration) {
            drop(refusal, message, "giaddr \(dottedQuad(message.giaddr))")
            return
        }
        let local = address(of: datagram.local)
        let now = configuration.now()
        let context = configuration.context(local: local, leases: LeaseTable(), now: now)
        let files = context.boot ?? configuration.bootHTTPPort.map { boot(for: local, port: $0) }
        let step = view.withLock { v in
            let step = decide(message, context: context, boot: files, configuration, view: &v)
            guard case .afterCommit(let address, let reply, let destination) = step else { return step }
            let queued = v.wait(for: address) { [self] won in
                if won {
                    send(reply, to: destination, answering: datagram, replier)
                } else {
                    drop(.lostRace, message, "the commit of \(dottedQuad(address)) this reply waited for failed")
                }
            }
            return queued ? step : .drop(.addressBusy, "a commit of \(dottedQuad(address)) is in flight")
        }
        switch step {
        case .afterCommit:
            break
        case .drop(let reason, let detail):
            drop(reason, message, detail)
        case .send(let reply, let destination):
            send(reply, to: destination, answering: datagram, replier)
        case .commit(let change, let revision, let reply):
            enqueue(
                PendingCommit(change: change, revision: revision, message: message) { [self] won in
                    guard won, let (r, destination) = reply else { return }
                    send(r, to: destination, answering: datagram, replier)
                })
        }
    }

    /// Runs the responder against the view and reserves the lease change it asks for.
    func decide(
        _ m: DHCPMessage, context: DHCPContext, boot: BootFiles?, _ configuration: DHCPServerConfiguration,
        view v: inout LeaseView
    ) -> Step {
        let decision = respond(m, context: context, boot: boot, leases: v.table)
        let change: LeaseChange
        let reply: (DHCPMessage, ReplyDestination)?
        switch decision {
        case .drop(let reason): return .drop(.notServed, reason)
        case .reply(let r, let destination, nil):
            // An ACK from the view (a renewal of a bound lease) must not overtake a commit of
            // that address still in flight.
            // It waits for that commit: the view shows the lease it commits, which is what the
            // ACK was decided from.
            if r.messageType == .ack, r.yiaddr != 0, v.isPending(r.yiaddr) {
                return .afterCommit(of: r.yiaddr, reply: r, destination)
            }
            return .send(r, destination)
        case .reply(let r, let destination, let c?):
            change = c
            reply = (r, destination)
        case .record(let c):
            change = c
            reply = nil
        }
        if !configuration.offersInStore, case .put(let lease, _) = change, lease.state == .offered, let reply {
            // Held in this view only: later decisions here avoid it; the ACK will compare on
            // the store revision the view has for the address, which the hold did not change.
            guard v.pendingCount < configuration.commitsInFlightMax / 2 else {
                return .drop(.overloaded, "\(v.pendingCount) lease changes are waiting for the store")
            }
            guard v.holdLocally(lease) else { return .drop(.addressBusy, "a commit of \(dottedQuad(lease.address)) is in flight") }
            return .send(reply.0, reply.1)
        }
        // Load shedding: new exchanges (DISCOVER) give way first, so that those under way finish.
        let limit = m.messageType == .discover ? configuration.commitsInFlightMax / 2 : configuration.commitsInFlightMax
        guard v.pendingCount < limit else {
            return .drop(.overloaded, "\(v.pendingCount) lease changes are waiting for the store")
        }
        guard let revision = v.reserve(change) else {
            if let reply, Self.coveredByPending(change, in: v.table) { return .afterCommit(of: change.address, reply: reply.0, reply.1) }
            return .drop(.addressBusy, "a commit of \(dottedQuad(change.address)) is in flight")
        }
        return .commit(change, revision: revision, reply: reply)
    }

    /// True when the lease being committed for `change`'s address (the view shows it) already
    /// gives the same client what the reply promises: a hold of the address for an OFFER, or a
    /// bound lease lasting at least as long for an ACK. The reply can then go out once that
    /// commit wins, with no second write.
    static func coveredByPending(_ change: LeaseChange, in table: LeaseTable) -> Bool {
        guard case .put(let wanted, _) = change, let held = table.lease(at: wanted.address), held.mac == wanted.mac else { return false }
        switch wanted.state {
        case .offered: return held.state == .offered || held.state == .bound
        case .bound: return held.state == .bound && held.expiresAt >= wanted.expiresAt
        case .declined: return false
        }
    }

    /// The responder's decision. A separate function so that the context's reference to the
    /// table ends before the caller mutates it (otherwise every reservation copies the table).
    private func respond(_ m: DHCPMessage, context: DHCPContext, boot: BootFiles?, leases: LeaseTable) -> DHCPDecision {
        var c = context
        c.leases = leases
        c.boot = boot
        return DHCPResponder.respond(to: m, context: c)
    }

    /// The boot files served from `http://<local>:<port>`, built once per local address.
    private func boot(for local: UInt32, port: Int) -> BootFiles {
        bootCache.withLock { cache in
            if let b = cache[local] { return b }
            let b = BootFiles(httpBase: "http://\(dottedQuad(local)):\(port)")
            if cache.count < 1024 { cache[local] = b }
            return b
        }
    }

    func drop(_ reason: DHCPCounters.DropReason, _ m: DHCPMessage, _ detail: String) {
        count { $0.dropped[reason, default: 0] += 1 }
        logger.debug(
            "DHCP request not answered",
            metadata: [
                "kiban.dhcp.xid": "\(m.xid)", "kiban.dhcp.mac": "\(macString(m.hardwareAddress))",
                "kiban.dhcp.reason": "\(reason.rawValue)", "kiban.dhcp.detail": "\(detail)",
            ])
    }

    func send(
        _ reply: DHCPMessage, to destination: ReplyDestination, answering request: Datagram,
        _ replier: DatagramReplier
    ) {
        let to: IPv4Endpoint
        switch destination {
        case .relay(let giaddr): to = endpoint(giaddr, port: 67)
        case .unicast(let ciaddr): to = endpoint(ciaddr, port: 68)
        case .broadcast: to = endpoint(UInt32.max, port: 68)
        }
        let type = reply.messageType.map { "\($0)" } ?? "unknown"
        if replier.send(DatagramReply(answering: request, payload: reply.bytes, to: to)) {
            count { $0.replied[type, default: 0] += 1 }
            logger.debug(
                "DHCP reply",
                metadata: [
                    "kiban.dhcp.xid": "\(reply.xid)", "kiban.dhcp.mac": "\(macString(reply.hardwareAddress))",
                    "kiban.dhcp.type": "\(type)", "kiban.dhcp.yiaddr": "\(dottedQuad(reply.yiaddr))",
                    "kiban.dhcp.server": "\(request.local.addressText)", "kiban.dhcp.to": "\(to)",
                ])
        } else {
            count { $0.dropped[.replyQueueFull, default: 0] += 1 }
        }
    }
}

/// A numeric address and a port as an endpoint.
func endpoint(_ address: UInt32, port: UInt16) -> IPv4Endpoint {
    IPv4Endpoint(
        UInt8(truncatingIfNeeded: address >> 24), UInt8(truncatingIfNeeded: address >> 16),
        UInt8(truncatingIfNeeded: address >> 8), UInt8(truncatingIfNeeded: address), port: port)
}

/// An endpoint's address as a number.
func address(of e: IPv4Endpoint) -> UInt32 {
    UInt32(e.octets.0) << 24 | UInt32(e.octets.1) << 16 | UInt32(e.octets.2) << 8 | UInt32(e.octets.3)
}

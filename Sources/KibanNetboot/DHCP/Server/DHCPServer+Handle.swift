import KibanIO
import KibanStore
import Logging

extension DHCPServer {
    /// What the handler does with one request after deciding, under the view's lock.
    enum Step {
        case drop(DHCPCounters.DropReason, String)
        case send(DHCPMessage, ReplyDestination)
        case commit(LeaseChange, revision: Int64, reply: (DHCPMessage, ReplyDestination)?)
    }

    /// Answers one datagram (on a ring thread; must not block): decides under the view's lock,
    /// then, when a lease changes, commits it from a task and replies only if the commit won.
    func handle(_ datagram: Datagram, _ replier: DatagramReplier) {
        count { $0.received += 1 }
        let message: DHCPMessage
        do {
            message = try DHCPMessage(bytes: datagram.payload)
        } catch {
            count { $0.dropped[.malformed, default: 0] += 1 }
            logger.debug("malformed DHCP datagram", metadata: ["kiban.dhcp.source": "\(datagram.source)",
                                                                "kiban.dhcp.reason": "\(error.reason)"])
            return
        }
        let local = address(of: datagram.local)
        let now = configuration.now()
        let step = view.withLock { v in decide(message, local: local, now: now, view: &v) }
        switch step {
        case .drop(let reason, let detail):
            drop(reason, message, detail)
        case .send(let reply, let destination):
            send(reply, to: destination, answering: datagram, replier)
        case .commit(let change, let revision, let reply):
            Task { [self] in
                guard await commit(change, revision: revision, message) else { return }
                if let (r, destination) = reply { send(r, to: destination, answering: datagram, replier) }
            }
        }
    }

    /// Runs the responder against the view and reserves the lease change it asks for.
    func decide(_ m: DHCPMessage, local: UInt32, now: UInt64, view v: inout LeaseView) -> Step {
        let decision = respond(m, local: local, now: now, leases: v.table)
        let change: LeaseChange
        let reply: (DHCPMessage, ReplyDestination)?
        switch decision {
        case .drop(let reason): return .drop(.notServed, reason)
        case .reply(let r, let destination, nil): return .send(r, destination)
        case .reply(let r, let destination, let c?): change = c; reply = (r, destination)
        case .record(let c): change = c; reply = nil
        }
        if !configuration.offersInStore, case .put(let lease, _) = change, lease.state == .offered, let reply {
            // Held in this view only: later decisions here avoid it; the ACK will compare on
            // the store revision the view has for the address, which the hold did not change.
            guard v.holdLocally(lease) else { return .drop(.addressBusy, "a commit of \(dottedQuad(lease.address)) is in flight") }
            return .send(reply.0, reply.1)
        }
        guard v.pendingCount < configuration.commitsInFlightMax, let revision = v.reserve(change) else {
            return .drop(.addressBusy, "a commit of \(dottedQuad(change.address)) is in flight")
        }
        return .commit(change, revision: revision, reply: reply)
    }

    /// The responder's decision. A separate function so that the context's reference to the
    /// table ends before the caller mutates it (otherwise every reservation copies the table).
    private func respond(_ m: DHCPMessage, local: UInt32, now: UInt64, leases: LeaseTable) -> DHCPDecision {
        DHCPResponder.respond(to: m, context: configuration.context(local: local, leases: leases, now: now))
    }

    func drop(_ reason: DHCPCounters.DropReason, _ m: DHCPMessage, _ detail: String) {
        count { $0.dropped[reason, default: 0] += 1 }
        logger.debug("DHCP request not answered", metadata: [
            "kiban.dhcp.xid": "\(m.xid)", "kiban.dhcp.mac": "\(macString(m.hardwareAddress))",
            "kiban.dhcp.reason": "\(reason.rawValue)", "kiban.dhcp.detail": "\(detail)",
        ])
    }

    func send(_ reply: DHCPMessage, to destination: ReplyDestination, answering request: Datagram,
              _ replier: DatagramReplier) {
        let to: IPv4Endpoint
        switch destination {
        case .relay(let giaddr): to = endpoint(giaddr, port: 67)
        case .unicast(let ciaddr): to = endpoint(ciaddr, port: 68)
        case .broadcast: to = endpoint(UInt32.max, port: 68)
        }
        let type = reply.messageType.map { "\($0)" } ?? "unknown"
        if replier.send(DatagramReply(answering: request, payload: reply.bytes, to: to)) {
            count { $0.replied[type, default: 0] += 1 }
            logger.debug("DHCP reply", metadata: [
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
    IPv4Endpoint(UInt8(truncatingIfNeeded: address >> 24), UInt8(truncatingIfNeeded: address >> 16),
                 UInt8(truncatingIfNeeded: address >> 8), UInt8(truncatingIfNeeded: address), port: port)
}

/// An endpoint's address as a number.
func address(of e: IPv4Endpoint) -> UInt32 {
    UInt32(e.octets.0) << 24 | UInt32(e.octets.1) << 16 | UInt32(e.octets.2) << 8 | UInt32(e.octets.3)
}

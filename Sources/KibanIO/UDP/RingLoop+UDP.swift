import CUring
import Glibc

/// UDP on the ring: multishot `recvmsg` into provided buffers, replies with `sendmsg` carrying
/// `IP_PKTINFO` so they leave from the address and interface the request came in on.
extension RingLoop {
    /// A service socket by index or a transfer socket by id; nil once a transfer socket is closed.
    func udpSocket(_ socket: Int) -> UDPSocket? {
        socket < udpSockets.count ? udpSockets[socket] : transferSockets[socket]
    }

    func armDatagramReceive(_ socket: Int) {
        guard let buffers = datagramBuffers, let udp = udpSocket(socket) else { return }
        let sqe = ring.sqe(UserData(.udpRecv, slot: UInt32(socket)).raw)
        io_uring_prep_recvmsg_multishot(sqe, udp.fd, udp.header, 0)
        sqe.pointee.flags |= CU_IOSQE_BUFFER_SELECT
        sqe.pointee.buf_group = buffers.group
    }

    func datagramReceived(socket: Int, _ result: Int32, _ flags: UInt32) {
        guard let buffers = datagramBuffers else { return }
        if flags & IORING_CQE_F_MORE == 0 {
            if closingSockets.contains(socket) {
                finishClosing(socket)
            } else if !draining, result != -ECANCELED {
                armDatagramReceive(socket)
            }
        }
        guard let buffer = BufferRing.bufferID(flags) else { return }
        defer { buffers.recycle(buffer) }
        guard result > 0, !closingSockets.contains(socket), let udp = udpSocket(socket),
            let datagram = parseDatagram(udp, buffers.address(buffer), Int32(result))
        else {
            return
        }
        let replier = DatagramReplier(mailbox: mailbox, socket: socket)
        if let reply = udp.service.handler(datagram, replier) {
            sendDatagram(socket: socket, reply)
        }
    }

    private func parseDatagram(_ udp: UDPSocket, _ base: UnsafeMutableRawPointer, _ length: Int32) -> Datagram? {
        let header = udp.header
        guard let out = io_uring_recvmsg_validate(base, length, header) else { return nil }
        // Truncated datagrams are longer than datagramBytesMax: dropped, the client retries.
        guard out.pointee.flags & UInt32(MSG_TRUNC) == 0,
            out.pointee.namelen >= UInt32(MemoryLayout<sockaddr_in>.size)
        else { return nil }
        let source = IPv4Endpoint(io_uring_recvmsg_name(out).loadUnaligned(as: sockaddr_in.self))
        var info: cu_in_pktinfo?
        var cmsg = io_uring_recvmsg_cmsg_firsthdr(out, header)
        while let current = cmsg {
            if current.pointee.cmsg_level == IPPROTO_IP, current.pointee.cmsg_type == CU_IP_PKTINFO {
                let data = UnsafeRawPointer(current) + UDPSocket.cmsgAlign(MemoryLayout<cmsghdr>.size)
                info = data.loadUnaligned(as: cu_in_pktinfo.self)
            }
            cmsg = io_uring_recvmsg_cmsg_nexthdr(out, header, current)
        }
        guard let info, let payload = io_uring_recvmsg_payload(out, header) else { return nil }
        let count = Int(io_uring_recvmsg_payload_length(out, length, header))
        let port = udp.port
        return Datagram(
            payload: Array(UnsafeRawBufferPointer(start: payload, count: count)),
            source: source,
            local: IPv4Endpoint(networkAddress: info.ipi_spec_dst.s_addr, port: port),
            destination: IPv4Endpoint(networkAddress: info.ipi_addr.s_addr, port: port),
            interfaceIndex: info.ipi_ifindex)
    }

    /// Sends a reply with `sendmsg`; the message, its address, control data and payload live in
    /// one allocation kept until the completion arrives.
    func sendDatagram(socket: Int, _ reply: DatagramReply) {
        guard let udp = udpSocket(socket), !closingSockets.contains(socket),
            pendingDatagrams.count < limits.pendingDatagramsMax
        else { return }
        let block = OutgoingDatagram.make(reply)
        nextDatagramID &+= 1
        pendingDatagrams[nextDatagramID] = block
        let sqe = ring.sqe(UserData(.udpSend, slot: nextDatagramID).raw)
        io_uring_prep_sendmsg(sqe, udp.fd, block.assumingMemoryBound(to: msghdr.self), 0)
    }

    func datagramSent(id: UInt32, _ result: Int32) {
        pendingDatagrams.removeValue(forKey: id)?.deallocate()
        if result < 0 {
            logger.debug("UDP send failed", metadata: ["kiban.io.errno": "\(errnoText(-result))"])
        }
    }
}

/// ``TransferSocket``s: opened and closed through the mailbox, on the ring that serves them.
extension RingLoop {
    func openTransferSocket(id: Int, fd: Int32, port: UInt16, service: UDPService) {
        guard datagramBuffers != nil, !draining else {
            // No datagram buffers (a ring without UDP services) or shutting down: nothing would
            // ever read it.
            closeQuietly(fd)
            return
        }
        transferSockets[id] = UDPSocket(fd: fd, service: service, port: port)
        armDatagramReceive(id)
    }

    /// Cancels the socket's receive; ``finishClosing(_:)`` closes it when the receive's last
    /// completion arrives.
    func closeTransferSocket(id: Int) {
        guard transferSockets[id] != nil, !closingSockets.contains(id) else { return }
        closingSockets.insert(id)
        let sqe = ring.sqe(UserData(.cancel).raw)
        io_uring_prep_cancel64(sqe, UserData(.udpRecv, slot: UInt32(id)).raw, 0)
    }

    func finishClosing(_ id: Int) {
        closingSockets.remove(id)
        if let socket = transferSockets.removeValue(forKey: id) { closeQuietly(socket.fd) }
    }
}

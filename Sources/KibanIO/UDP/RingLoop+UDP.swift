import CUring
import Glibc

/// UDP on the ring: multishot `recvmsg` into provided buffers, replies with `sendmsg` carrying
/// `IP_PKTINFO` so they leave from the address and interface the request came in on.
extension RingLoop {
    func armDatagramReceive(_ socket: Int) {
        guard let buffers = datagramBuffers else { return }
        let sqe = ring.sqe(UserData(.udpRecv, slot: UInt32(socket)).raw)
        io_uring_prep_recvmsg_multishot(sqe, udpSockets[socket].fd, udpSockets[socket].header, 0)
        sqe.pointee.flags |= CU_IOSQE_BUFFER_SELECT
        sqe.pointee.buf_group = buffers.group
    }

    func datagramReceived(socket: Int, _ result: Int32, _ flags: UInt32) {
        guard let buffers = datagramBuffers else { return }
        if flags & IORING_CQE_F_MORE == 0, !draining, result != -ECANCELED { armDatagramReceive(socket) }
        guard let buffer = BufferRing.bufferID(flags) else { return }
        defer { buffers.recycle(buffer) }
        guard result > 0, let datagram = parseDatagram(socket: socket, buffers.address(buffer), Int32(result)) else {
            return
        }
        let udp = udpSockets[socket]
        let replier = DatagramReplier(mailbox: mailbox, socket: socket)
        if let reply = udp.service.handler(datagram, replier) {
            sendDatagram(socket: socket, reply)
        }
    }

    private func parseDatagram(socket: Int, _ base: UnsafeMutableRawPointer, _ length: Int32) -> Datagram? {
        let header = udpSockets[socket].header
        guard let out = io_uring_recvmsg_validate(base, length, header) else { return nil }
        // Truncated datagrams are longer than datagramBytesMax: dropped, the client retries.
        guard out.pointee.flags & UInt32(MSG_TRUNC) == 0,
              out.pointee.namelen >= UInt32(MemoryLayout<sockaddr_in>.size) else { return nil }
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
        let port = udpSockets[socket].port
        return Datagram(payload: Array(UnsafeRawBufferPointer(start: payload, count: count)),
                        source: source,
                        local: IPv4Endpoint(networkAddress: info.ipi_spec_dst.s_addr, port: port),
                        destination: IPv4Endpoint(networkAddress: info.ipi_addr.s_addr, port: port),
                        interfaceIndex: info.ipi_ifindex)
    }

    /// Sends a reply with `sendmsg`; the message, its address, control data and payload live in
    /// one allocation kept until the completion arrives.
    func sendDatagram(socket: Int, _ reply: DatagramReply) {
        guard socket < udpSockets.count, pendingDatagrams.count < limits.pendingDatagramsMax else { return }
        let block = OutgoingDatagram.make(reply)
        nextDatagramID &+= 1
        pendingDatagrams[nextDatagramID] = block
        let sqe = ring.sqe(UserData(.udpSend, slot: nextDatagramID).raw)
        io_uring_prep_sendmsg(sqe, udpSockets[socket].fd, block.assumingMemoryBound(to: msghdr.self), 0)
    }

    func datagramSent(id: UInt32, _ result: Int32) {
        pendingDatagrams.removeValue(forKey: id)?.deallocate()
        if result < 0 {
            logger.debug("UDP send failed", metadata: ["kiban.io.errno": "\(errnoText(-result))"])
        }
    }
}

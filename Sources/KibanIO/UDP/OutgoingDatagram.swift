import CUring
import Glibc

/// The memory layout of one queued UDP reply: `msghdr`, `iovec`, destination, `IP_PKTINFO`
/// control message, payload, in one block.
enum OutgoingDatagram {
    private static let iovecOffset = MemoryLayout<msghdr>.stride
    private static let nameOffset = iovecOffset + MemoryLayout<iovec>.stride
    private static let controlOffset = nameOffset + UDPSocket.cmsgAlign(MemoryLayout<sockaddr_in>.size)
    private static let payloadOffset = controlOffset + UDPSocket.controlBytes

    /// Allocates and fills the block; the caller deallocates it after the send completes.
    static func make(_ reply: DatagramReply) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: payloadOffset + reply.payload.count, alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: payloadOffset)
        reply.payload.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { (block + payloadOffset).copyMemory(from: base, byteCount: bytes.count) }
        }
        let name = block + nameOffset
        name.storeBytes(of: reply.destination.sockaddr, as: sockaddr_in.self)
        let control = block + controlOffset
        var cmsg = cmsghdr()
        cmsg.cmsg_len = UDPSocket.cmsgLength(MemoryLayout<cu_in_pktinfo>.size)
        cmsg.cmsg_level = Int32(IPPROTO_IP)
        cmsg.cmsg_type = CU_IP_PKTINFO
        control.storeBytes(of: cmsg, as: cmsghdr.self)
        var info = cu_in_pktinfo()
        info.ipi_ifindex = reply.interfaceIndex
        info.ipi_spec_dst.s_addr = reply.sourceAddress.networkAddress
        (control + UDPSocket.cmsgAlign(MemoryLayout<cmsghdr>.size)).storeBytes(of: info, as: cu_in_pktinfo.self)
        let io = iovec(iov_base: block + payloadOffset, iov_len: reply.payload.count)
        (block + iovecOffset).storeBytes(of: io, as: iovec.self)
        var header = msghdr()
        header.msg_name = name
        header.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
        header.msg_iov = (block + iovecOffset).assumingMemoryBound(to: iovec.self)
        header.msg_iovlen = 1
        header.msg_control = control
        header.msg_controllen = UDPSocket.controlBytes
        block.storeBytes(of: header, as: msghdr.self)
        return block
    }
}

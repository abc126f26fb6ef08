import CUring
import Glibc

/// One ring's socket of a UDP service, with the `msghdr` its multishot `recvmsg` reuses: the
/// kernel reads the name and control lengths from it for every datagram, so it lives as long
/// as the socket.
final class UDPSocket {
    let fd: Int32
    let service: UDPService
    let port: UInt16
    let header: UnsafeMutablePointer<msghdr>

    /// Room for `io_uring_recvmsg_out`, the source address and the `IP_PKTINFO` control message
    /// in front of the payload of each provided buffer.
    static let headerRoom = 128
    static let controlBytes = cmsgSpace(MemoryLayout<cu_in_pktinfo>.size)

    init(fd: Int32, service: UDPService, port: UInt16) {
        self.fd = fd
        self.service = service
        self.port = port
        header = .allocate(capacity: 1)
        header.initialize(to: msghdr())
        header.pointee.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
        header.pointee.msg_controllen = UDPSocket.controlBytes
    }

    deinit { header.deallocate() }

    /// `CMSG_SPACE`: a control message header plus `length` data bytes, padded to 8 bytes.
    static func cmsgSpace(_ length: Int) -> Int {
        cmsgAlign(MemoryLayout<cmsghdr>.size) + cmsgAlign(length)
    }

    /// `CMSG_LEN`: the header plus `length` data bytes, unpadded.
    static func cmsgLength(_ length: Int) -> Int {
        cmsgAlign(MemoryLayout<cmsghdr>.size) + length
    }

    static func cmsgAlign(_ length: Int) -> Int {
        (length + MemoryLayout<Int>.size - 1) & ~(MemoryLayout<Int>.size - 1)
    }
}

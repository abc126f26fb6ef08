import CUring
import Glibc

/// Socket setup done once at start, outside the rings; each call fails with an `IOError` that
/// names the address.
enum Socket {
    /// A listening TCP socket with `SO_REUSEPORT`, so each ring can have its own on one port.
    static func tcpListener(_ endpoint: IPv4Endpoint, backlog: Int32) throws(IOError) -> Int32 {
        let fd = try syscall("socket(AF_INET, SOCK_STREAM)") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")
            try setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT")
            try bind(fd, endpoint, kind: "TCP")
            try syscall("listen on TCP \(endpoint)") { listen(fd, backlog) }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// A UDP socket with `IP_PKTINFO` (so replies can leave from the address they arrived on),
    /// optionally bound to one interface, allowed to send broadcasts and with a larger receive
    /// buffer.
    static func udp(
        _ endpoint: IPv4Endpoint, device: String?, broadcast: Bool,
        receiveBufferBytes: Int? = nil
    ) throws(IOError) -> Int32 {
        let fd = try syscall("socket(AF_INET, SOCK_DGRAM)") { socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")
            try setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT")
            try setOption(fd, Int32(IPPROTO_IP), CU_IP_PKTINFO, 1, "IP_PKTINFO")
            if broadcast { try setOption(fd, SOL_SOCKET, SO_BROADCAST, 1, "SO_BROADCAST") }
            if let bytes = receiveBufferBytes {
                // SO_RCVBUFFORCE (root or CAP_NET_ADMIN) goes past net.core.rmem_max; without
                // the privilege SO_RCVBUF gives what rmem_max allows.
                let value = Int32(clamping: bytes)
                do {
                    try setOption(fd, SOL_SOCKET, SO_RCVBUFFORCE, value, "SO_RCVBUFFORCE")
                } catch {
                    try setOption(fd, SOL_SOCKET, SO_RCVBUF, value, "SO_RCVBUF")
                }
            }
            if let device {
                var name = Array(device.utf8CString)
                try syscall(
                    "SO_BINDTODEVICE \(device) on UDP \(endpoint)",
                    hint: "Check that the interface exists."
                ) {
                    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, &name, socklen_t(name.count))
                }
            }
            try bind(fd, endpoint, kind: "UDP")
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// Fails when another socket, perhaps a second Kiban, already has `endpoint`: rings bind with
    /// `SO_REUSEPORT`, which would otherwise let two servers silently share the port.
    static func checkFree(_ endpoint: IPv4Endpoint, type: __socket_type) throws(IOError) {
        let fd = try syscall("socket for a port check") { socket(AF_INET, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        defer { closeQuietly(fd) }
        if type == SOCK_STREAM {
            // Connections of an earlier run in TIME_WAIT must not count as "in use".
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")
        }
        try bind(fd, endpoint, kind: type == SOCK_STREAM ? "TCP" : "UDP")
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ label: String) throws(IOError) {
        var value = value
        try syscall("setsockopt \(label)") { setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    static func bind(_ fd: Int32, _ endpoint: IPv4Endpoint, kind: String) throws(IOError) {
        var address = endpoint.sockaddr
        try syscall(
            "bind \(kind) \(endpoint)",
            hint: "Check that no other program uses the port and that Kiban may bind ports below 1024."
        ) {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// The address a socket is bound to (to learn the port the kernel picked for port 0).
    static func localEndpoint(_ fd: Int32) throws(IOError) -> IPv4Endpoint {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try syscall("getsockname") {
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
        }
        return IPv4Endpoint(address)
    }
}

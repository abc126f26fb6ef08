import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ports for servers under test, chosen at run time: the kernel picks a port that is free now
/// (bind to port 0 on 127.0.0.1, read it back, close). Another program may take it before the
/// server binds it; the fixtures that start servers retry with new ports when the server says
/// "Address already in use".
public enum FreePort {
    /// A TCP port free on 127.0.0.1 a moment ago.
    public static func tcp() throws -> Int { try pick(Int32(SOCK_STREAM.rawValue)) }

    /// A UDP port free on 127.0.0.1 a moment ago.
    public static func udp() throws -> Int { try pick(Int32(SOCK_DGRAM.rawValue)) }

    /// A base port B such that B+1…B+`count` are all free on 127.0.0.1 for TCP and UDP a
    /// moment ago, for programs that take a block of ports from one base (`kiban dev
    /// --base-port`). Bases are tried at random below the ephemeral range.
    public static func block(_ count: Int) throws -> Int {
        for _ in 0..<200 {
            let base = Int.random(in: 20_000...(32_000 - count))
            if (1...count).allSatisfy({ isFree(base + $0, Int32(SOCK_STREAM.rawValue)) && isFree(base + $0, Int32(SOCK_DGRAM.rawValue)) }) {
                return base
            }
        }
        throw FreePortError("no block of \(count) free ports below 32000")
    }

    private static func isFree(_ port: Int, _ type: Int32) -> Bool {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func pick(_ type: Int32) throws -> Int {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw FreePortError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw FreePortError("cannot bind a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// No free port could be had (the system ran out of sockets or ephemeral ports).
public struct FreePortError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

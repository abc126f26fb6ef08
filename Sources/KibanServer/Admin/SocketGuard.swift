import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The admin socket's file-system side: a lock file next to it so that a second daemon cannot
/// silently take over a live socket path (binding over it would orphan the first daemon's
/// listener), and the socket's mode and group.
enum SocketGuard {
    /// Takes `<socket>.lock` for the life of the process; returns its descriptor.
    /// - Throws: ``ServerError`` `conflict` when another daemon holds it.
    static func lock(socketPath: String) throws(ServerError) -> Int32 {
        let dir = (socketPath as NSString).deletingLastPathComponent
        // 0755 whatever the umask (077 under `kiban server`): group kiban reaches the socket
        // through it; the socket's own mode (0660) is what admits them.
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let path = socketPath + ".lock"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ServerError(.config, "cannot open \(path): \(String(cString: strerror(errno))); check the directory's permissions")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ServerError(.conflict, "another kiban daemon is serving \(socketPath) (it holds \(path)); stop it first, or give this one another --socket")
        }
        return fd
    }

    /// Mode 0660 and, when the group exists, group `kiban`: members of that group may
    /// administer the cluster, nobody else (root always can).
    static func restrict(socketPath: String) throws(ServerError) {
        guard chmod(socketPath, 0o660) == 0 else {
            throw ServerError(.config, "cannot set the mode of \(socketPath): \(String(cString: strerror(errno)))")
        }
        if let group = getgrnam("kiban") {
            _ = chown(socketPath, uid_t.max, group.pointee.gr_gid)
        }
    }
}

/// `struct ucred` from <sys/socket.h>, hidden behind _GNU_SOURCE, so mirrored here.
struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

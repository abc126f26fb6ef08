import CUring
import Glibc

/// Checks that io_uring can be used here, and says why not in words an operator can act on.
public enum IOUringAvailability {
    /// Throws `IOError.Code.ioUringUnavailable` naming the cause when io_uring cannot be used:
    /// the `kernel.io_uring_disabled` sysctl, a seccomp filter or container policy (`EPERM`),
    /// or a kernel without io_uring (`ENOSYS`).
    public static func check() throws(IOError) {
        let disabled = sysctlValue("/proc/sys/kernel/io_uring_disabled")
        if disabled == 2 {
            throw IOError(
                .ioUringUnavailable,
                "io_uring is disabled by the sysctl kernel.io_uring_disabled=2. "
                    + "Set it to 0 (sysctl -w kernel.io_uring_disabled=0) to run Kiban's data plane.")
        }
        var ring = io_uring()
        let result = io_uring_queue_init(4, &ring, 0)
        guard result < 0 else {
            io_uring_queue_exit(&ring)
            return
        }
        throw unavailable(errno: -result, sysctl: disabled)
    }

    static func unavailable(errno code: Int32, sysctl: Int?) -> IOError {
        let cause: String
        switch code {
        case EPERM where sysctl == 1:
            cause =
                "kernel.io_uring_disabled=1 allows io_uring only for the group in "
                + "kernel.io_uring_group; add Kiban's user to that group or set the sysctl to 0."
        case EPERM:
            cause =
                "the call was refused (EPERM): a seccomp filter or container runtime blocks io_uring; "
                + "allow io_uring_setup, io_uring_enter and io_uring_register for Kiban."
        case ENOSYS:
            cause = "this kernel has no io_uring (ENOSYS); Kiban needs Linux 6.1 or newer."
        case ENOMEM:
            cause =
                "the kernel could not allocate the ring (ENOMEM); raise RLIMIT_MEMLOCK "
                + "(LimitMEMLOCK= in the systemd unit)."
        default:
            cause = "io_uring_queue_init failed: \(errnoText(code))."
        }
        return IOError(.ioUringUnavailable, "io_uring is unavailable: \(cause)", errno: code)
    }

    /// The integer in a /proc/sys file, or nil when it does not exist (older kernels).
    static func sysctlValue(_ path: String) -> Int? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[0..<count], as: UTF8.self)
        return Int(text.filter { $0.isNumber })
    }
}

import CUring
import Glibc

/// Runs one system call, retrying while it fails with `EINTR`; every system call in KibanIO goes
/// through here so that interrupted calls never surface as errors and every failure carries the
/// same operator-facing shape.
///
/// - Parameters:
///   - what: the call and its object, as the operator should read it (`"bind 0.0.0.0:67"`).
///   - hint: what the operator can do about a failure.
///   - body: the call; returns -1 and sets `errno` on failure, like libc.
/// - Returns: the call's non-negative result.
@discardableResult
func syscall<T: FixedWidthInteger>(
    _ what: @autoclosure () -> String, hint: String = "",
    _ body: () -> T
) throws(IOError) -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw IOError(.systemCall, "\(what()) failed. \(hint)", errno: code)
    }
}

/// Like `syscall` for liburing functions, which return `-errno` instead of setting `errno`.
@discardableResult
func uringCall(
    _ what: @autoclosure () -> String, hint: String = "",
    _ body: () -> Int32
) throws(IOError) -> Int32 {
    while true {
        let result = body()
        if result >= 0 { return result }
        if result == -EINTR { continue }
        throw IOError(.systemCall, "\(what()) failed. \(hint)", errno: -result)
    }
}

/// The C library's text for an `errno` value.
func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "unknown error" }
    return String(cString: text)
}

/// Monotonic time in nanoseconds, the only clock the runtime reads (once per loop iteration).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Closes a descriptor whose close result cannot change what happens next (Linux always frees
/// the descriptor, even on EINTR).
func closeQuietly(_ fd: Int32) {
    _ = Glibc.close(fd)
}

import CUring
import Glibc

/// One io_uring, owned by the thread that created it (it is set up with `SINGLE_ISSUER`, so no
/// other thread may submit to it).
///
/// A ring starts **disabled** (`IORING_SETUP_R_DISABLED`): its owner registers buffers, then
/// calls ``enable(restrictions:)``, which limits it to ``RingRestrictions`` and starts it. Nothing
/// can be submitted before that.
final class Ring {
    var raw = io_uring()

    /// Sets up a disabled ring with `entries` submission slots; completion queue four times that.
    init(entries: UInt32) throws(IOError) {
        var params = io_uring_params()
        params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE | IORING_SETUP_R_DISABLED
        params.cq_entries = entries * 4
        let result = io_uring_queue_init_params(entries, &raw, &params)
        if result == -EINVAL {
            // Kernels before 6.1 lack DEFER_TASKRUN; a plain ring still works.
            var plain = io_uring_params()
            plain.flags = IORING_SETUP_R_DISABLED
            let retry = io_uring_queue_init_params(entries, &raw, &plain)
            if retry < 0 { throw IOUringAvailability.unavailable(errno: -retry, sysctl: nil) }
            return
        }
        if result < 0 {
            throw IOUringAvailability.unavailable(
                errno: -result, sysctl: IOUringAvailability.sysctlValue("/proc/sys/kernel/io_uring_disabled"))
        }
    }

    private var exited = false

    /// Restricts the ring to `restrictions` and enables it (the thread that calls this becomes
    /// its one submitter).
    /// - Throws: ``IOError`` `systemCall` when the kernel refuses either step.
    func enable(restrictions: RingRestrictions) throws(IOError) {
        var entries = restrictions.entries
        try uringCall("restricting the ring to Kiban's operations", hint: "Kiban needs Linux 6.1 or newer.") {
            cu_register_restrictions(&raw, &entries, UInt32(entries.count))
        }
        try uringCall("enabling the ring", hint: "Kiban needs Linux 6.1 or newer.") {
            cu_enable_rings(&raw)
        }
    }

    deinit { exit() }

    /// Tears the ring down; the kernel cancels what is pending and stops touching our buffers.
    func exit() {
        guard !exited else { return }
        exited = true
        io_uring_queue_exit(&raw)
    }

    /// A free submission entry with `userData` set; when the queue is full, submits first.
    func sqe(_ userData: UInt64) -> UnsafeMutablePointer<io_uring_sqe> {
        while true {
            if let sqe = io_uring_get_sqe(&raw) {
                io_uring_sqe_set_data64(sqe, userData)
                return sqe
            }
            // A full queue only means "submit now"; the kernel then frees every slot.
            _ = io_uring_submit(&raw)
        }
    }

    /// Submits what is queued and waits for at least one completion.
    func submitAndWait() {
        let result = io_uring_submit_and_wait(&raw, 1)
        // EINTR (a signal) and EBUSY (completion queue overflow being flushed) mean "look again".
        if result < 0, result != -EINTR, result != -EBUSY, result != -EAGAIN {
            preconditionFailure("io_uring_submit_and_wait failed: \(errnoText(-result))")
        }
    }

    /// Calls `body` with each ready completion's user data, result and flags, then marks them seen.
    func forEachCompletion(_ body: (UInt64, Int32, UInt32) -> Void) {
        var cqe: UnsafeMutablePointer<io_uring_cqe>?
        while io_uring_peek_cqe(&raw, &cqe) == 0, let entry = cqe {
            let (data, res, flags) = (entry.pointee.user_data, entry.pointee.res, entry.pointee.flags)
            io_uring_cqe_seen(&raw, entry)
            body(data, res, flags)
        }
    }
}

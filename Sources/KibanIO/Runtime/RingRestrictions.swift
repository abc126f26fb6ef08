import CUring
import Glibc

/// What a ring may do once it is enabled (`IORING_REGISTER_RESTRICTIONS`, Linux 5.10).
///
/// io_uring performs its operations inside the kernel, past the systemd unit's
/// `SystemCallFilter=`: a ring that could open files or connect sockets would let a bug in the
/// daemon do what the filter forbids. A ring is therefore created disabled
/// (`IORING_SETUP_R_DISABLED`), gets its buffers registered, then this list, and only then is
/// enabled; from then on any other opcode, SQE flag or `io_uring_register` call completes with
/// `EACCES`.
struct RingRestrictions: Sendable, Hashable {
    /// Submission opcodes allowed (`IORING_OP_*`).
    var operations: [UInt8]
    /// SQE flags allowed (`IOSQE_*`).
    var sqeFlags: UInt8
    /// `io_uring_register` opcodes allowed after enabling (none: every registration is done
    /// while the ring is still disabled).
    var registerOperations: [UInt8] = []

    /// What Kiban's ring loop submits: accepts and receives, sends, file reads into registered
    /// buffers, splices, the timer and the mailbox read, and cancellation. Nothing opens,
    /// connects, writes files or changes the file table.
    static let kiban = RingRestrictions(
        operations: [
            IORING_OP_ACCEPT, IORING_OP_RECV, IORING_OP_RECVMSG, IORING_OP_SEND, IORING_OP_SENDMSG,
            IORING_OP_READ, IORING_OP_READ_FIXED, IORING_OP_SPLICE, IORING_OP_TIMEOUT,
            IORING_OP_ASYNC_CANCEL,
        ].map { UInt8($0.rawValue) },
        sqeFlags: CU_IOSQE_IO_LINK | CU_IOSQE_BUFFER_SELECT)

    /// The entries for `io_uring_register_restrictions`.
    var entries: [io_uring_restriction] {
        operations.map { cu_restriction(UInt16(IORING_RESTRICTION_SQE_OP), $0) }
            + registerOperations.map { cu_restriction(UInt16(IORING_RESTRICTION_REGISTER_OP), $0) }
            + [cu_restriction(UInt16(IORING_RESTRICTION_SQE_FLAGS_ALLOWED), sqeFlags)]
    }
}

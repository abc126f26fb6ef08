/* CUring: liburing 2.3 (Debian 12) for Swift.
 *
 * Include order matters (see docs/io.md, "liburing from Swift"):
 * 1. libc headers first: liburing.h defines _GNU_SOURCE/_XOPEN_SOURCE before including them, and
 *    glibc's fd_set would then differ from the copy in the SwiftGlibc module.
 * 2. the kernel's <linux/io_uring.h> before liburing.h: liburing 2.3 ships its own copy with the
 *    same include guard but a different io_uring_sqe layout, which clashes with swift-system's
 *    CSystem module as soon as both are in one build graph.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <liburing.h>

/* The IOSQE_* flags are (1U << IOSQE_X_BIT) macros, which Swift does not import. */
static const __u8 CU_IOSQE_IO_LINK = IOSQE_IO_LINK;
static const __u8 CU_IOSQE_BUFFER_SELECT = IOSQE_BUFFER_SELECT;
static const __u8 CU_IOSQE_CQE_SKIP_SUCCESS = IOSQE_CQE_SKIP_SUCCESS;
static const __u8 CU_IOSQE_ASYNC = IOSQE_ASYNC;

/* Hidden behind _GNU_SOURCE in glibc, so invisible from Swift's Glibc module. */
struct cu_in_pktinfo {
    int ipi_ifindex;
    struct in_addr ipi_spec_dst;
    struct in_addr ipi_addr;
};
static const int CU_IP_PKTINFO = 8;

/* openat2(2) (Linux 5.6) has no glibc 2.36 wrapper, and syscall(2) is variadic, which Swift
 * cannot call. Opens `path` below `dirfd` only: no "..", absolute path or symbolic link may lead
 * out of it (RESOLVE_BENEATH), and no symbolic link is followed at all. -1 with errno set on
 * failure; ENOSYS on kernels without openat2. */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
static inline int cu_openat2_beneath(int dirfd, const char *path, int flags) {
    struct open_how how = { .flags = (__u64)flags, .mode = 0,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* struct io_uring_restriction keeps its value in an anonymous union; one setter for Swift. */
static inline struct io_uring_restriction cu_restriction(__u16 opcode, __u8 value) {
    struct io_uring_restriction r = { .opcode = opcode };
    r.sqe_op = value; /* the union's one byte: register_op, sqe_op or sqe_flags */
    return r;
}

/* IORING_REGISTER_RESTRICTIONS and IORING_REGISTER_ENABLE_RINGS (Linux 5.10): liburing 2.3 declares
 * io_uring_register_restrictions and io_uring_enable_rings but Debian 12's liburing.so does not
 * export them, so they are called through io_uring_register(2) directly. -errno on failure. */
static inline int cu_register_restrictions(struct io_uring *ring, struct io_uring_restriction *res, unsigned nr) {
    int r = (int)syscall(__NR_io_uring_register, ring->ring_fd, IORING_REGISTER_RESTRICTIONS, res, nr);
    return r < 0 ? -errno : r;
}
static inline int cu_enable_rings(struct io_uring *ring) {
    int r = (int)syscall(__NR_io_uring_register, ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
    return r < 0 ? -errno : r;
}

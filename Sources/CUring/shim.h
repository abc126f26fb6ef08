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

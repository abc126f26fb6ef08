import CUring
import Glibc
import Testing

@testable import KibanIO

/// The ring is limited to the operations Kiban submits (`IORING_REGISTER_RESTRICTIONS`).
@Suite("io_uring restrictions")
struct RingRestrictionTests {
    /// Submits one entry that `prepare` fills and returns its completion's result.
    private func submit(_ ring: Ring, _ prepare: (UnsafeMutablePointer<io_uring_sqe>) -> Void) -> Int32 {
        prepare(ring.sqe(7))
        ring.submitAndWait()
        var results: [Int32] = []
        ring.forEachCompletion { _, result, _ in results.append(result) }
        return results.first ?? Int32.min
    }

    @Test("A restricted ring refuses operations Kiban does not use with EACCES", needsIOUring)
    func disallowedOpcodes() throws {
        let ring = try Ring(entries: 8)
        try ring.enable(restrictions: .kiban)
        #expect(submit(ring) { io_uring_prep_nop($0) } == -EACCES)
        let opened = "/etc/hostname".withCString { path in
            submit(ring) { io_uring_prep_openat($0, AT_FDCWD, path, O_RDONLY, 0) }
        }
        #expect(opened == -EACCES)
        // A flag outside the list is refused even on an allowed opcode.
        var spec = __kernel_timespec(tv_sec: 0, tv_nsec: 1_000_000)
        #expect(
            submit(ring) {
                io_uring_prep_timeout($0, &spec, 0, 0)
                $0.pointee.flags |= CU_IOSQE_ASYNC
            } == -EACCES)
        // What Kiban uses still works: a 1 ms timeout expires.
        #expect(submit(ring) { io_uring_prep_timeout($0, &spec, 0, 0) } == -ETIME)
        ring.exit()
    }

    @Test("A ring enabled without restrictions runs the same NOP (the refusal is the restriction's doing)", needsIOUring)
    func unrestrictedControl() throws {
        let ring = try Ring(entries: 8)
        #expect(cu_enable_rings(&ring.raw) == 0)
        #expect(submit(ring) { io_uring_prep_nop($0) } == 0)
        ring.exit()
    }

    @Test("The daemon's rings are restricted: registering after start is refused", needsIOUring)
    func registerAfterEnable() throws {
        let ring = try Ring(entries: 8)
        try ring.enable(restrictions: .kiban)
        var probe = [Int32](repeating: -1, count: 1)
        #expect(io_uring_register_files(&ring.raw, &probe, 1) == -EACCES)
        ring.exit()
    }
}

import CUring
import Glibc

/// Registered buffers for file bodies: a file chunk is read into one (`READ_FIXED`, no page
/// pinning per request) and sent from it. The pool bounds the memory file sends can use.
final class FileChunkPool {
    let size: Int
    private let memory: UnsafeMutableRawPointer
    private var free: [Int]

    init(ring: Ring, count: Int, size: Int) throws(IOError) {
        self.size = size
        memory = UnsafeMutableRawPointer.allocate(byteCount: count * size, alignment: 4096)
        free = Array((0..<count).reversed())
        var iovecs = (0..<count).map { iovec(iov_base: memory + $0 * size, iov_len: size) }
        do {
            try uringCall(
                "registering \(count) file buffers of \(size) bytes",
                hint: "Raise RLIMIT_MEMLOCK (LimitMEMLOCK= in the systemd unit) or lower fileChunkCount."
            ) {
                io_uring_register_buffers(&ring.raw, &iovecs, UInt32(count))
            }
        } catch {
            memory.deallocate()
            throw error
        }
    }

    deinit { memory.deallocate() }

    /// A free buffer index, or nil when all are in use.
    func take() -> Int? { free.popLast() }

    /// Returns a buffer to the pool.
    func give(_ index: Int) { free.append(index) }

    /// The address of buffer `index`.
    func address(_ index: Int) -> UnsafeMutableRawPointer { memory + index * size }
}

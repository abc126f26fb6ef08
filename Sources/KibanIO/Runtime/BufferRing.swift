import CUring
import Glibc

/// A provided-buffer ring: `count` buffers of `size` bytes that the kernel picks from for
/// multishot receives, registered by hand because liburing 2.3 has no `io_uring_setup_buf_ring`.
final class BufferRing {
    let group: UInt16
    let count: Int
    let size: Int
    private let ringMemory: UnsafeMutableRawPointer
    private let ringBytes: Int
    private let buffers: UnsafeMutableRawPointer
    private var bufRing: UnsafeMutablePointer<io_uring_buf_ring> {
        ringMemory.assumingMemoryBound(to: io_uring_buf_ring.self)
    }

    /// Registers `count` (a power of two, at most 32768) buffers of `size` bytes as `group`.
    init(ring: Ring, group: UInt16, count: Int, size: Int) throws(IOError) {
        guard count > 0, count <= 32768, count & (count - 1) == 0 else {
            throw IOError(.invalidConfiguration, "buffer ring count \(count) must be a power of two up to 32768.")
        }
        self.group = group
        self.count = count
        self.size = size
        ringBytes = count * MemoryLayout<io_uring_buf>.stride
        // The ring must be page-aligned memory; anonymous mmap gives that.
        let memory = mmap(nil, ringBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0)
        guard let memory, memory != MAP_FAILED else {
            throw IOError(.systemCall, "mmap of a \(ringBytes)-byte buffer ring failed.", errno: Glibc.errno)
        }
        ringMemory = memory
        buffers = UnsafeMutableRawPointer.allocate(byteCount: count * size, alignment: 4096)
        var reg = io_uring_buf_reg()
        reg.ring_addr = UInt64(UInt(bitPattern: memory))
        reg.ring_entries = UInt32(count)
        reg.bgid = group
        do {
            try uringCall("registering provided buffer ring \(group)", hint: "Kiban needs Linux 6.1 or newer.") {
                io_uring_register_buf_ring(&ring.raw, &reg, 0)
            }
        } catch {
            munmap(memory, ringBytes)
            buffers.deallocate()
            throw error
        }
        io_uring_buf_ring_init(bufRing)
        for id in 0..<count { add(id, offset: id) }
        io_uring_buf_ring_advance(bufRing, Int32(count))
    }

    deinit {
        munmap(ringMemory, ringBytes)
        buffers.deallocate()
    }

    /// The bytes the kernel wrote into buffer `id`.
    func bytes(_ id: Int, count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffers + id * size, count: min(count, size))
    }

    /// The start of buffer `id`, for parsers that take a mutable pointer.
    func address(_ id: Int) -> UnsafeMutableRawPointer { buffers + id * size }

    /// Gives buffer `id` back to the kernel.
    func recycle(_ id: Int) {
        add(id, offset: 0)
        io_uring_buf_ring_advance(bufRing, 1)
    }

    /// Writes buffer `id` into the ring `offset` entries past the tail; `advance` publishes it.
    private func add(_ id: Int, offset: Int) {
        io_uring_buf_ring_add(
            bufRing, buffers + id * size, UInt32(size), UInt16(id),
            io_uring_buf_ring_mask(UInt32(count)), Int32(offset))
    }

    /// The buffer id a completion's flags name, if the kernel picked one.
    static func bufferID(_ flags: UInt32) -> Int? {
        guard flags & IORING_CQE_F_BUFFER != 0 else { return nil }
        return Int(flags >> IORING_CQE_BUFFER_SHIFT)
    }
}

import Foundation
import KibanNetboot
import NIOCore

/// An upload streaming in on one admin connection: `PUT /v1/images/ID?kernelSize=N&initrdSize=M`
/// (the kernel's bytes, then the initrd's) or `PUT /v1/assets/NAME?size=N&contentType=T`. The
/// body goes straight into blob writers (never held in memory), split by the announced sizes.
/// Until ``finish()`` succeeds nothing is in place; ``discard()`` deletes the partial files.
/// Unchecked Sendable: one connection's task uses it, handing it to ``Offload`` for the final
/// fsync and waiting there; it is never used from two threads at once.
final class AdminUpload: @unchecked Sendable {
    /// What the upload becomes.
    enum Target: Sendable, Hashable {
        case image(id: String, force: Bool)
        case asset(name: String, contentType: String)
    }

    /// The largest file accepted.
    static let fileBytesMax: UInt64 = 4 << 30

    let target: Target
    private var parts: [(size: UInt64, writer: BlobWriter)] = []
    private var current = 0

    /// The upload a request head announces, nil for any other request.
    /// - Throws: ``ServerError`` `badRequest` for missing or bad sizes, a body of another length.
    static func parse(method: String, path: String, query: [String: String], contentLength: String?) throws(ServerError) -> (Target, [UInt64])? {
        let s = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        guard method == "PUT", s.count == 3, s[0] == "v1" else { return nil }
        let target: Target
        let sizes: [UInt64]
        switch s[1] {
        case "images":
            target = .image(id: s[2], force: query["force"] == "true")
            sizes = [try size(query, "kernelSize"), try size(query, "initrdSize")]
        case "assets":
            target = .asset(name: s[2], contentType: query["contentType"] ?? ContentTypeGuess.octetStream)
            sizes = [try size(query, "size")]
        default: return nil
        }
        guard let length = contentLength.flatMap(UInt64.init), length == sizes.reduce(0, +) else {
            throw ServerError(
                .badRequest, "an upload's Content-Length must be the sum of its files' sizes (\(sizes.map(String.init).joined(separator: " + ")))")
        }
        return (target, sizes)
    }

    private static func size(_ query: [String: String], _ name: String) throws(ServerError) -> UInt64 {
        guard let v = query[name].flatMap(UInt64.init), v <= fileBytesMax else {
            throw ServerError(.badRequest, "an upload needs \(name), a size in bytes up to \(fileBytesMax) (4 GiB)")
        }
        return v
    }

    /// - Throws: ``ServerError`` `insufficientStorage` when the files do not fit the blob
    ///   quota or the free-space floor (nothing is written).
    init(target: Target, sizes: [UInt64], blobs: BlobDirectory) throws(ServerError) {
        self.target = target
        do {
            try blobs.reserve(sizes.reduce(0, +))
        } catch {
            throw ServerError(error.code == .noSpace ? .insufficientStorage : .internal, error.message)
        }
        for size in sizes {
            do {
                parts.append((size, try blobs.upload()))
            } catch {
                discard()
                throw ServerError(.internal, error.message)
            }
        }
    }

    deinit { discard() }

    /// Appends body bytes, moving to the next file when one is complete.
    func write(_ buffer: ByteBuffer) throws(ServerError) {
        var rest = buffer
        while rest.readableBytes > 0 {
            guard current < parts.count else { throw ServerError(.badRequest, "the upload is longer than announced") }
            let part = parts[current]
            let room = part.size - part.writer.written
            let take = Int(min(UInt64(rest.readableBytes), room))
            if take > 0, let slice = rest.readSlice(length: take) {
                do {
                    try slice.withUnsafeReadableBytes { bytes throws(BlobError) in try part.writer.write(bytes) }
                } catch {
                    throw ServerError(.internal, error.message)
                }
            }
            if part.writer.written == part.size { current += 1 }
        }
    }

    /// Verifies and moves every file into place; returns their references in order.
    /// - Throws: ``ServerError`` `badRequest` when the body was shorter than announced.
    func finish() throws(ServerError) -> [BlobReference] {
        guard parts.allSatisfy({ $0.writer.written == $0.size }) else {
            throw ServerError(.badRequest, "the upload ended before all announced bytes arrived; nothing was kept")
        }
        var blobs: [BlobReference] = []
        for part in parts {
            do { blobs.append(try part.writer.finish()) } catch { throw ServerError(.internal, error.message) }
        }
        parts = []
        return blobs
    }

    /// Deletes what was written (an upload cut short or refused).
    func discard() {
        for part in parts { part.writer.discard() }
        parts = []
    }
}

/// The content type of an asset by its file name, when the operator does not give one.
public enum ContentTypeGuess {
    public static let octetStream = "application/octet-stream"

    /// By extension (`.ign` → `application/json`); ``octetStream`` when unknown.
    public static func forFileName(_ name: String) -> String { AssetRecord.contentType(forFileName: name) }
}

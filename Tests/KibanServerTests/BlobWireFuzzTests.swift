import Foundation
import KibanTestSupport
import Testing

@testable import KibanServer

/// The blob transfer's frames and the upload route's head parser against arbitrary input: they
/// answer with a value or an error, never a crash, and round-trip what they encode.
@Suite("Blob transfer wire format")
struct BlobWireFuzzTests {
    static let hex = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

    @Test("Requests and headers round-trip, and later versions' appended fields are ignored")
    func roundTrip() throws {
        let request = BlobFetchRequest(sha256: Self.hex, offset: 123_456_789_012)
        #expect(try BlobFetchRequest(request.encoded) == request)
        #expect(try BlobFetchRequest([2] + request.encoded.dropFirst() + [9, 9, 9]) == request)
        for status in [BlobFetchHeader.Status.ok, .notFound, .badOffset] {
            let header = BlobFetchHeader(status: status, size: 4 << 30)
            #expect(try BlobFetchHeader(header.encoded) == header)
        }
        #expect(throws: WireError.self) { try BlobFetchHeader([1, 7, 0, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: WireError.self) { try BlobFetchRequest([0] + request.encoded.dropFirst()) }
        for n in 0..<request.encoded.count {
            #expect(throws: WireError.self) { try BlobFetchRequest(Array(request.encoded.prefix(n))) }
        }
    }

    @Test("Random and mutated frames never crash the decoders (seed from KIBAN_FUZZ_SEED)")
    func fuzzFrames() {
        var random = SeededRandom.forTest("BlobWireFuzzTests")
        let seed = random.seed
        let valid = BlobFetchRequest(sha256: Self.hex, offset: 42).encoded
        var decoded = 0
        for _ in 0..<20_000 {
            var bytes = random.next() % 2 == 0 ? valid : (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if !bytes.isEmpty { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next()) }
            if let r = try? BlobFetchRequest(bytes) {
                decoded += 1
                #expect(BlobReferenceCheck.isHex(r.sha256), "seed \(seed)")
            }
            _ = try? BlobFetchHeader(bytes)
        }
        #expect(decoded > 0, "seed \(seed): some mutations keep a valid request")
    }

    @Test(
        "Upload heads: only the announced sizes and matching Content-Length are accepted",
        arguments: [
            ("/v1/images/a?kernelSize=3&initrdSize=4", ["kernelSize": "3", "initrdSize": "4"], "7", true),
            ("/v1/images/a", ["kernelSize": "3", "initrdSize": "4"], "8", false),
            ("/v1/images/a", ["kernelSize": "3"], "3", false),
            ("/v1/images/a", ["kernelSize": "-1", "initrdSize": "4"], "3", false),
            ("/v1/assets/a", ["size": "\(5 << 30)"], "\(5 << 30)", false),
            ("/v1/assets/a", ["size": "10"], nil, false),
            ("/v1/assets/a", ["size": "10"], "10", true),
        ] as [(String, [String: String], String?, Bool)])
    func uploadHeads(path: String, query: [String: String], length: String?, ok: Bool) {
        let parsed = Result { try AdminUpload.parse(method: "PUT", path: path, query: query, contentLength: length) }
        #expect(((try? parsed.get()).flatMap { $0 } != nil) == ok)
    }

    @Test("Other requests are not uploads")
    func notUploads() throws {
        #expect(try AdminUpload.parse(method: "GET", path: "/v1/images", query: [:], contentLength: nil) == nil)
        #expect(try AdminUpload.parse(method: "PUT", path: "/v1/kv", query: [:], contentLength: "3") == nil)
        #expect(try AdminUpload.parse(method: "PUT", path: "/v1/images/a/b", query: [:], contentLength: "3") == nil)
    }
}

enum BlobReferenceCheck {
    static func isHex(_ s: String) -> Bool { s.count == 64 && s.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
}

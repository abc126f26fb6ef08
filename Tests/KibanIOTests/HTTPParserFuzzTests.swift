import Foundation
import KibanTestSupport
import Testing

@testable import KibanIO

/// Feeds the request parser random and mutated inputs for a bounded time
/// (`KIBAN_FUZZ_SECONDS`, default 20; `KIBAN_FUZZ_SEED` replays a run) and checks that it
/// always returns a result that keeps the parser's promises.
@Suite("HTTP request parser fuzzing")
struct HTTPParserFuzzTests {
    static let corpus: [[UInt8]] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "HEAD /files/boot.ipxe HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET /a%20b/../c?x=%zz#f HTTP/1.1\r\nHost: h\r\nRange: bytes=0-9\r\nIf-None-Match: \"x\"\r\n\r\n",
        "GET http://h/p HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: h\r\n Folded: yes\r\n\r\n", "GET /%2e%2e/%00 HTTP/1.1\r\n\r\n",
    ].map { Array($0.utf8) }

    static let interesting: [UInt8] = Array("\r\n :/%.?#-=,\"\t\0GETHTP1".utf8) + [0x7F, 0x80, 0xFF]

    @Test("The parser never traps and every result keeps its promises")
    func fuzz() async throws {
        // A 20-second loop must not hold one of the threads other tests' tasks need.
        let (runs, failure) = try await onOwnThread { Self.fuzzLoop() }
        #expect(failure == nil)
        #expect(runs > 0)
    }

    /// How many inputs were tried, and the first broken promise (with the seed to replay it).
    static func fuzzLoop() -> (runs: Int, failure: String?) {
        let environment = ProcessInfo.processInfo.environment
        let seconds = Double(environment["KIBAN_FUZZ_SECONDS"] ?? "") ?? 20
        var random = SeededRandom.forTest("HTTPParserFuzzTests")
        let seed = random.seed
        var limits = HTTPRequestParser.Limits()
        limits.requestLineBytesMax = 256
        limits.headBytesMax = 1024
        limits.headerFieldsMax = 16
        let parser = HTTPRequestParser(limits: limits)
        let deadline = Date().addingTimeInterval(seconds)
        var runs = 0
        while runs < 20_000_000, runs % 256 != 0 || Date() < deadline {
            let input = Self.mutate(Self.corpus[Int(random.next() % UInt64(Self.corpus.count))], &random)
            if let problem = Self.check(parser.parse(input), input: input, parser: parser) {
                return (runs, "seed \(seed), run \(runs): \(problem) for \(input)")
            }
            runs += 1
        }
        return (runs, nil)
    }

    /// A promise the result breaks, or nil.
    static func check(_ result: HTTPRequestParser.Result, input: [UInt8], parser: HTTPRequestParser) -> String? {
        switch result {
        case .incomplete:
            return input.count > parser.limits.headBytesMax ? "incomplete beyond the head limit" : nil
        case .invalid(let status):
            return [400, 413, 414, 431, 505].contains(status.code) ? nil : "unexpected status \(status)"
        case .request(let head, let consumed):
            if consumed <= 0 || consumed > input.count || consumed > parser.limits.headBytesMax { return "bad length" }
            if !head.path.hasPrefix("/") || head.pathSegments.contains("..") || head.pathSegments.contains(".") {
                return "unsafe path \(head.path)"
            }
            if head.pathSegments.contains(where: { $0.contains("/") || $0.contains("\0") || $0.isEmpty }) {
                return "bad segment in \(head.pathSegments)"
            }
            if parser.parse(Array(input[..<consumed])) != result { return "not stable on its own head" }
            return nil
        }
    }

    /// A few random edits: replace, insert, delete, duplicate a run, or splice random bytes.
    static func mutate(_ seed: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var bytes = seed
        for _ in 0...(random.next() % 8) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            let byte =
                random.next() % 2 == 0
                ? interesting[Int(random.next() % UInt64(interesting.count))]
                : UInt8(truncatingIfNeeded: random.next())
            switch random.next() % 5 {
            case 0 where !bytes.isEmpty: bytes[position] = byte
            case 1: bytes.insert(byte, at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3 where bytes.count < 4096:
                let end = min(bytes.count, position + Int(random.next() % 64))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default:
                bytes.insert(
                    contentsOf: (0..<(random.next() % 16)).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                    at: position)
            }
        }
        return bytes
    }
}

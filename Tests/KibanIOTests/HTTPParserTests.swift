import Testing

@testable import KibanIO

/// The request parser as a pure function of bytes.
@Suite("HTTP request parser")
struct HTTPParserTests {
    let parser = HTTPRequestParser()

    func parse(_ text: String) -> HTTPRequestParser.Result { parser.parse(Array(text.utf8)) }

    func head(_ text: String) -> HTTPRequestHead? {
        guard case .request(let head, _) = parse(text) else { return nil }
        return head
    }

    @Test("A complete head is parsed and its length reported, leaving pipelined bytes alone")
    func complete() {
        let text = "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-Thing:  value \r\n\r\nGET /next"
        guard case .request(let head, let consumed) = parse(text) else {
            Issue.record("expected a request")
            return
        }
        #expect(consumed == text.utf8.count - "GET /next".utf8.count)
        #expect(head.method == "GET")
        #expect(head.path == "/a/b")
        #expect(head.pathSegments == ["a", "b"])
        #expect(head.query == "x=1")
        #expect(head.value("x-thing") == "value")
        #expect(head.keepAlive)
    }

    @Test(
        "Every proper prefix of a head is incomplete",
        arguments: [
            "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "HEAD /x HTTP/1.0\r\n\r\n",
        ])
    func prefixes(text: String) {
        let bytes = Array(text.utf8)
        for length in 0..<bytes.count {
            #expect(parser.parse(Array(bytes[..<length])) == .incomplete)
        }
    }

    @Test(
        "Percent-encoded paths are decoded and dot segments removed",
        arguments: [
            ("/a%20b/c", "/a b/c"), ("/./a/./b", "/a/b"), ("//a///b", "/a/b"), ("/%41", "/A"),
            ("http://host:80/x/y?q", "/x/y"), ("/", "/"),
        ])
    func pathDecoding(target: String, path: String) {
        #expect(head("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n")?.path == path)
    }

    @Test(
        "Targets that could escape the tree or are malformed are 400",
        arguments: [
            "/..", "/a/../b", "/%2e%2e/x", "/%2E%2e", "/a%2fb", "/a%5cb", "/%00", "/%g1", "/%4", "*", "a/b", "/%ff%fe",
        ])
    func badTargets(target: String) {
        #expect(parse("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n") == .invalid(.badRequest))
    }

    @Test(
        "Connection semantics follow the version and the Connection field",
        arguments: [
            ("HTTP/1.1", "", true), ("HTTP/1.1", "Connection: close\r\n", false),
            ("HTTP/1.0", "", false), ("HTTP/1.0", "Connection: Keep-Alive\r\n", true),
            ("HTTP/1.1", "Connection: upgrade, close\r\n", false),
        ])
    func keepAlive(version: String, field: String, expected: Bool) {
        #expect(head("GET / \(version)\r\nHost: h\r\n\(field)\r\n")?.keepAlive == expected)
    }

    @Test("Limits: a long request line is 414, a long head 431, too many fields 431")
    func limits() {
        var limits = HTTPRequestParser.Limits()
        limits.requestLineBytesMax = 64
        limits.headBytesMax = 256
        limits.headerFieldsMax = 3
        let small = HTTPRequestParser(limits: limits)
        #expect(small.parse(Array(("GET /" + String(repeating: "a", count: 100)).utf8)) == .invalid(.uriTooLong))
        #expect(
            small.parse(Array(("GET / HTTP/1.1\r\nA: " + String(repeating: "a", count: 300)).utf8))
                == .invalid(.headerFieldsTooLarge))
        #expect(
            small.parse(Array("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n".utf8))
                == .invalid(.headerFieldsTooLarge))
    }

    @Test(
        "Bodies, conflicting lengths and a missing or repeated Host are refused",
        arguments: [
            ("Content-Length: 3\r\n", HTTPStatus.contentTooLarge), ("Transfer-Encoding: chunked\r\n", .contentTooLarge),
            ("Content-Length: 0\r\nContent-Length: 0\r\n", .badRequest), ("Content-Length: -1\r\n", .badRequest),
            ("Host: other\r\n", .badRequest),
        ])
    func framing(field: String, status: HTTPStatus) {
        #expect(parse("GET / HTTP/1.1\r\nHost: h\r\n\(field)\r\n") == .invalid(status))
        #expect(parse("GET / HTTP/1.1\r\n\r\n") == .invalid(.badRequest))
        #expect(head("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n") != nil)
    }

    @Test(
        "Range values: single ranges parse and resolve, others are ignored",
        arguments: [
            ("bytes=0-9", Int64(100), Optional(Int64(0)..<10)), ("bytes=90-", 100, 90..<100), ("bytes=-10", 100, 90..<100),
            ("bytes=50-1000", 100, 50..<100), ("bytes=-1000", 100, 0..<100), ("bytes=100-", 100, nil),
        ])
    func ranges(value: String, size: Int64, expected: Range<Int64>?) {
        #expect(ByteRange(value)?.resolve(size: size) == expected)
    }

    @Test(
        "Malformed or multiple ranges are not ranges",
        arguments: [
            "bytes=1-2,4-5", "bytes=5-1", "items=1-2", "bytes=", "bytes=-", "bytes=a-b", "bytes=-0",
        ])
    func badRanges(value: String) {
        #expect(ByteRange(value) == nil)
    }

    @Test("If-None-Match matches by weak comparison, lists and *")
    func entityTags() {
        #expect(EntityTag.noneMatch("\"a\"", etag: "\"a\""))
        #expect(EntityTag.noneMatch("W/\"a\"", etag: "\"a\""))
        #expect(EntityTag.noneMatch("\"b\", \"a\"", etag: "\"a\""))
        #expect(EntityTag.noneMatch("*", etag: "\"a\""))
        #expect(!EntityTag.noneMatch("\"b\"", etag: "\"a\""))
    }
}

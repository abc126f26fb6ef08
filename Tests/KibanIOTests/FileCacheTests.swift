import Foundation
import KibanTestSupport
import Testing

@testable import KibanIO

/// The per-ring cache of small files.
@Suite("Small-file cache")
struct FileCacheTests {
    @Test("An entry is served until its lifetime ends, then read again")
    func lifetime() {
        let cache = FileCache(lifetimeMilliseconds: 1000, entriesMax: 8)
        cache.insert("/a", body: [1, 2, 3], etag: "\"e\"", contentType: "text/plain", now: 5_000_000_000)
        #expect(cache.lookup("/a", now: 5_000_000_000)?.body == [1, 2, 3])
        #expect(cache.lookup("/a", now: 5_999_999_999) != nil)
        #expect(cache.lookup("/a", now: 6_000_000_000) == nil)
        #expect(cache.lookup("/b", now: 5_000_000_000) == nil)
    }

    @Test("The ready-made GET response is the head after the status line, then the body")
    func readyResponse() async throws {
        let cache = FileCache(lifetimeMilliseconds: 1000, entriesMax: 8)
        let entry = cache.insert("/a", body: Array("xyz".utf8), etag: "\"e\"", contentType: "text/plain", now: 0)
        let text = String(decoding: FileCache.okStatusLine + entry.getResponse, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nServer: kiban\r\n"))
        #expect(text.contains("Content-Length: 3\r\n"))
        #expect(text.contains("ETag: \"e\"\r\n"))
        #expect(text.hasSuffix("\r\n\r\nxyz"))
        #expect(entry.getResponse.starts(with: entry.headResponse))
    }

    @Test(
        "Dates are IMF-fixdate in GMT",
        arguments: [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        ])
    func dates(seconds: Int, text: String) {
        #expect(HTTPDate.format(seconds) == text)
    }

    @Test("A full cache makes room from expired entries only")
    func bounded() {
        let cache = FileCache(lifetimeMilliseconds: 1, entriesMax: 2)
        cache.insert("/a", body: [], etag: "\"a\"", contentType: "x", now: 0)
        cache.insert("/b", body: [], etag: "\"b\"", contentType: "x", now: 0)
        cache.insert("/c", body: [], etag: "\"c\"", contentType: "x", now: 100)
        #expect(cache.lookup("/c", now: 100) == nil)
        cache.insert("/d", body: [], etag: "\"d\"", contentType: "x", now: 2_000_000)
        #expect(cache.lookup("/d", now: 2_000_000) != nil)
    }

    @Test(
        "Served files: cached within the lifetime, read afresh when the cache is off", needsIOUring,
        .enabled(if: haveCommand("curl"), "curl is not installed"), arguments: [3_600_000, 0])
    func replacedFile(lifetimeMilliseconds: Int) async throws {
        let server = try TestServer(fileCacheMilliseconds: lifetimeMilliseconds)
        let url = server.url("/files/boot.ipxe")
        #expect(try await run(["curl", "-s", "--max-time", "20", url]).text == TestServer.script)
        try Data("#!ipxe\nreplaced\n".utf8).write(to: server.directory.appendingPathComponent("boot.ipxe"))
        let second = try await run(["curl", "-s", "--max-time", "20", url]).text
        #expect(second == (lifetimeMilliseconds > 0 ? TestServer.script : "#!ipxe\nreplaced\n"))
    }
}

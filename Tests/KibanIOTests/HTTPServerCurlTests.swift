import Foundation
import KibanIO
import KibanTestSupport
import Testing

/// The file server against curl, a client we did not write.
@Suite("HTTP server with curl", needsIOUring, .enabled(if: haveCommand("curl"), "curl is not installed"))
struct HTTPServerCurlTests {
    let server: TestServer

    init() throws { server = try TestServer() }

    /// `curl -s -D - URL …`: the response head and body, separated.
    func curl(_ path: String, _ options: [String] = []) async throws -> (status: Int, head: String, body: Data) {
        let result = try await run(["curl", "-s", "--max-time", "20", "-D", "-"] + options + [server.url(path)])
        #expect(result.status == 0, "curl failed: \(result.stderr)")
        let response = splitResponses(result.stdout).first
        return (response?.status ?? -1, response?.head ?? "", response?.body ?? Data())
    }

    @Test("A GET of a small file returns its bytes with Content-Length, Content-Type and an ETag")
    func getSmallFile() async throws {
        let response = try await curl("/files/boot.ipxe")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == TestServer.script)
        #expect(response.head.contains("Content-Length: \(TestServer.script.utf8.count)"))
        #expect(response.head.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(response.head.contains("ETag: \""))
        #expect(response.head.contains("\r\nDate: ") && response.head.contains(" GMT\r\n"))
    }

    @Test("A HEAD answers the GET's headers without a body")
    func head() async throws {
        let result = try await run(["curl", "-s", "--max-time", "20", "-I", server.url("/files/large.bin")])
        #expect(result.text.hasPrefix("HTTP/1.1 200 OK"))
        #expect(result.text.contains("Content-Length: \(5 << 20)"))
        #expect(result.stdout.count < 400)
    }

    @Test(
        "A 5 MiB file arrives intact (SHA-256 matches) with either file send strategy",
        arguments: [FileSendStrategy.registeredBuffers, .splice])
    func largeFile(strategy: FileSendStrategy) async throws {
        let server = try TestServer(fileSend: strategy)
        let result = try await run(["sh", "-c", "curl -s --max-time 20 \(server.url("/files/large.bin")) | sha256sum"])
        let expected = try await run(["sh", "-c", "sha256sum \(server.directory.path)/large.bin"])
        #expect(result.text.prefix(64) == expected.text.prefix(64))
        #expect(result.text.count >= 64)
        // A large range streams from an offset that is not chunk-aligned.
        let ranged = try await run(["curl", "-s", "--max-time", "20", "-r", "1000001-", server.url("/files/large.bin")])
        // Compared outside #expect: a failing comparison of megabytes would be diffed for ever.
        let sameBytes = ranged.stdout == TestServer.largeFile.suffix(from: 1_000_001)
        #expect(sameBytes, "got \(ranged.stdout.count) bytes")
    }

    @Test("A single Range is answered 206 with Content-Range and exactly those bytes")
    func range() async throws {
        let response = try await curl("/files/large.bin", ["-r", "1000-1999"])
        #expect(response.status == 206)
        #expect(response.head.contains("Content-Range: bytes 1000-1999/\(5 << 20)"))
        #expect(response.body == TestServer.largeFile[1000..<2000])
        let suffix = try await curl("/files/large.bin", ["-r", "-100"])
        #expect(suffix.body == TestServer.largeFile.suffix(100))
        let tail = try await curl("/files/large.bin", ["-r", "\((5 << 20) - 10)-"])
        #expect(tail.body == TestServer.largeFile.suffix(10))
    }

    @Test("A Range past the end is answered 416 with the file size")
    func rangeNotSatisfiable() async throws {
        let response = try await curl("/files/boot.ipxe", ["-r", "5000-6000"])
        #expect(response.status == 416)
        #expect(response.head.contains("Content-Range: bytes */\(TestServer.script.utf8.count)"))
    }

    @Test("If-None-Match with the current ETag is answered 304 without a body")
    func notModified() async throws {
        let first = try await curl("/files/boot.ipxe")
        let etag = first.head.split(separator: "\r\n").first { $0.hasPrefix("ETag: ") }?.dropFirst(6) ?? ""
        #expect(!etag.isEmpty)
        let second = try await curl("/files/boot.ipxe", ["-H", "If-None-Match: \(etag)"])
        #expect(second.status == 304)
        #expect(second.body.isEmpty)
        let other = try await curl("/files/boot.ipxe", ["-H", "If-None-Match: \"something-else\""])
        #expect(other.status == 200)
    }

    @Test("A dynamic route answers from memory and honours its ETag")
    func dynamicRoute() async throws {
        let response = try await curl("/ipxe/SERIAL123")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "#!ipxe\necho serial SERIAL123\n")
        #expect(try await curl("/ipxe/SERIAL123", ["-H", "If-None-Match: \"script-v1\""]).status == 304)
    }

    @Test("Missing files, directories and unrouted paths are 404")
    func notFound() async throws {
        #expect(try await curl("/files/missing").status == 404)
        #expect(try await curl("/files/sub").status == 404)
        #expect(try await curl("/elsewhere").status == 404)
        #expect(try await curl("/files/sub/file.txt").status == 200)
    }

    @Test("Methods other than GET and HEAD are 405 with Allow")
    func methodNotAllowed() async throws {
        let response = try await curl("/files/boot.ipxe", ["-X", "DELETE"])
        #expect(response.status == 405)
        #expect(response.head.contains("Allow: GET, HEAD"))
    }
}

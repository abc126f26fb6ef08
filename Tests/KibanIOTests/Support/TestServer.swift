import Foundation
import Logging
import Testing

@testable import KibanIO

/// Whether io_uring works here; tests that need it are skipped with this reason otherwise.
let ioUringProblem: String? = {
    do throws(IOError) {
        try IOUringAvailability.check()
        return nil
    } catch {
        return error.description
    }
}()

/// Test trait: skip when io_uring is unavailable, saying why.
let needsIOUring = Testing.ConditionTrait.enabled(
    if: ioUringProblem == nil,
    Comment(rawValue: "io_uring is unavailable: \(ioUringProblem ?? "")"))

/// A KibanIO HTTP server on 127.0.0.1 with an ephemeral port, serving a temporary directory
/// (`boot.ipxe`, a 5 MiB `large.bin`, `sub/file.txt`) at `/files` and a dynamic script at
/// `/ipxe/<serial>`.
final class TestServer {
    let directory: URL
    let http: HTTPServer
    let runtime: IORuntime
    var port: UInt16 { runtime.tcpEndpoints[0].port }
    static let script = "#!ipxe\nchain http://boot/kernel\n"

    init(
        limits: IOLimits = IOLimits(), parserLimits: HTTPRequestParser.Limits = .init(),
        fileCacheMilliseconds: Int = 1000, fileSend: FileSendStrategy = .splice
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("sub"),
            withIntermediateDirectories: true)
        try Data(Self.script.utf8).write(to: directory.appendingPathComponent("boot.ipxe"))
        try Data("in a subdirectory\n".utf8).write(to: directory.appendingPathComponent("sub/file.txt"))
        try Self.largeFile.write(to: directory.appendingPathComponent("large.bin"))
        var router = HTTPRouter()
        router.files(at: "/files", directory: directory.path)
        router.get(prefix: "/ipxe") { request in
            .text("#!ipxe\necho serial \(request.pathSegments.last ?? "")\n", etag: "\"script-v1\"")
        }
        var configuration = IOConfiguration(rings: 1)
        configuration.limits = limits
        configuration.fileSend = fileSend
        var logger = Logger(label: "kiban.io.test")
        logger.logLevel = .warning
        http = HTTPServer(
            router: router, parserLimits: parserLimits, fileCacheMilliseconds: fileCacheMilliseconds,
            rings: 1, logger: logger)
        runtime = try IORuntime.start(
            configuration: configuration, tcp: [http.service(at: .loopback(port: 0))],
            logger: logger)
    }

    /// A server with one limit changed (`TestServer(\.headerTimeoutMilliseconds, 300)`).
    convenience init(_ limit: WritableKeyPath<IOLimits, Int>, _ value: Int) throws {
        var limits = IOLimits()
        limits[keyPath: limit] = value
        try self.init(limits: limits)
    }

    deinit {
        runtime.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// 5 MiB of deterministic bytes: larger than the small-file threshold and than one file chunk.
    static let largeFile: Data = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: 5 << 20)
        for index in bytes.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 56)
        }
        return Data(bytes)
    }()
}

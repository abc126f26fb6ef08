// kiban-http-bench: serves one directory over KibanIO's HTTP server until SIGINT or SIGTERM,
// for bench/bench-http.sh. Usage: kiban-http-bench DIRECTORY PORT [RINGS]
import Foundation
import Glibc
import KibanIO
import Logging

/// Writes a line to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = UInt16(arguments[2]) else {
    printError("usage: kiban-http-bench DIRECTORY PORT [RINGS]")
    exit(2)
}
var logger = Logger(label: "kiban.http-bench")
logger.logLevel = .warning
var configuration = IOConfiguration()
if arguments.count >= 4, let rings = Int(arguments[3]) { configuration.rings = rings }
// Environment knobs for measuring alternatives (docs/io.md): KIBAN_FILE_SEND=registered
// (registered buffers instead of splice), KIBAN_FILE_CACHE_MS=0 (no small-file cache).
let environment = ProcessInfo.processInfo.environment
if environment["KIBAN_FILE_SEND"] == "registered" { configuration.fileSend = .registeredBuffers }
let cacheMilliseconds = Int(environment["KIBAN_FILE_CACHE_MS"] ?? "") ?? 1000

var router = HTTPRouter()
router.files(at: "/", directory: arguments[1])
let server = HTTPServer(
    router: router, fileCacheMilliseconds: cacheMilliseconds, rings: configuration.rings,
    logger: logger)

// Block the stop signals before the ring threads start, so that only sigwait sees them.
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGINT)
sigaddset(&stopSignals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

do {
    let runtime = try IORuntime.start(
        configuration: configuration,
        tcp: [server.service(at: .loopback(port: port))], logger: logger)
    print("serving \(arguments[1]) at http://\(runtime.tcpEndpoints[0]) on \(configuration.rings) rings")
    fflush(nil)
    var received: Int32 = 0
    sigwait(&stopSignals, &received)
    runtime.shutdown()
    let counters = server.counters
    print("requests \(counters.requests), bytes \(counters.bytesSent), by status \(counters.responsesByStatus)")
} catch {
    printError("kiban-http-bench: \(error)")
    exit(1)
}

import Foundation
import Glibc
import KibanNetboot

/// One HTTP exchange made by curl (a client this project did not write).
struct CurlResult {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// `curl` on `url`, following redirects when `follow`; at most 60 s.
func curl(_ url: String, follow: Bool = false, extra: [String] = []) throws -> CurlResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    p.arguments =
        [
            "-s", "--max-time", "60", "-D", dir.appendingPathComponent("h").path,
            "-o", dir.appendingPathComponent("b").path,
        ] + (follow ? ["-L"] : []) + extra + [url]
    try p.run()
    p.waitUntilExit()
    let head = (try? String(contentsOf: dir.appendingPathComponent("h"), encoding: .utf8)) ?? ""
    // With -L the last response's head comes last.
    let last = head.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }.last ?? ""
    var lines = last.components(separatedBy: "\r\n")
    let status = lines.isEmpty ? 0 : Int(lines.removeFirst().split(separator: " ").dropFirst().first ?? "") ?? 0
    var headers: [String: String] = [:]
    for line in lines {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    let body = (try? Data(contentsOf: dir.appendingPathComponent("b"))).map(Array.init) ?? []
    return CurlResult(status: status, headers: headers, body: body)
}

/// A temporary directory removed by the caller.
func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `bytes` as a blob into `blobs`; returns its reference.
func placeBlob(_ bytes: [UInt8], in blobs: BlobDirectory) throws -> BlobReference {
    let sha = sha256Hex(bytes)
    try FileManager.default.createDirectory(atPath: blobs.root + "/sha256", withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: blobs.path(sha256: sha)))
    return BlobReference(sha256: sha, size: UInt64(bytes.count))
}

/// SHA-256 by `sha256sum` (coreutils), so the test does not trust code of its own.
func sha256Hex(_ bytes: [UInt8]) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    let input = Pipe()
    let output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try? p.run()
    input.fileHandleForWriting.write(Data(bytes))
    try? input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(String(decoding: out, as: UTF8.self).prefix(64))
}

/// A UDP socket on loopback that sends raw datagrams: packets real clients would not send.
class RawUDPSocket {
    let fd: Int32

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TFTPTestFailure("socket: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Sends `bytes` to 127.0.0.1:`port`.
    func send(_ bytes: [UInt8], to port: UInt16) {
        var to = sockaddr_in()
        to.sin_family = sa_family_t(AF_INET)
        to.sin_port = port.bigEndian
        to.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &to) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

import Foundation
import KibanAdminAPI

#if canImport(Glibc)
    import Glibc
#endif

/// Streams files as one upload request body (`PUT` with the files' bytes one after another),
/// drawing a progress bar on stderr when it is a terminal, and always ending with one summary
/// line there.
struct Upload {
    let client: ClientOptions
    /// `(label, path)` in the order the route expects them.
    let files: [(label: String, path: String)]

    static let chunkBytes = 1 << 20

    /// The files' sizes, checked before anything is sent.
    func sizes() throws -> [UInt64] {
        try files.map { file in
            let attributes: [FileAttributeKey: Any]
            do { attributes = try FileManager.default.attributesOfItem(atPath: file.path) } catch {
                throw AdminClient.Failure(description: "cannot read \(file.path): \(error.localizedDescription)")
            }
            guard attributes[.type] as? FileAttributeType == .typeRegular, let size = (attributes[.size] as? NSNumber)?.uint64Value else {
                throw AdminClient.Failure(description: "\(file.path) is not a regular file")
            }
            return size
        }
    }

    /// Checks the files, uploads them to the route `path(sizes)` and prints the answer.
    func run<V: Decodable>(as type: V.Type, path: ([UInt64]) -> String, rows: (V) -> [[String]]) throws {
        let sizes = try sizes()
        let json = try send(path: path(sizes), sizes: sizes)
        do {
            client.print(json: json, rows: rows(try JSONDecoder().decode(type, from: Data(json))))
        } catch {
            throw AdminClient.Failure(description: "the daemon's answer is not what this kiban expects (\(error)); are the CLI and daemon the same version?")
        }
    }

    /// Sends `PUT path` with the files as the body; returns the daemon's JSON answer.
    func send(path: String, sizes: [UInt64]) throws -> [UInt8] {
        // A refused upload is answered and closed early: a write then fails instead of killing us.
        signal(SIGPIPE, SIG_IGN)
        let admin = AdminClient(socketPath: client.socketPath)
        let fd = try admin.openConnection()
        defer { close(fd) }
        let total = sizes.reduce(0, +)
        let head = "PUT \(path) HTTP/1.1\r\nHost: kiban\r\nConnection: close\r\nContent-Type: application/octet-stream\r\nContent-Length: \(total)\r\n\r\n"
        var progress = Progress(total: total)
        do {
            try admin.writeAll(fd, Array(head.utf8))
            for (file, size) in zip(files, sizes) { try stream(file, size: size, to: fd, admin: admin, progress: &progress) }
        } catch {
            progress.finish(ok: false)
            // The daemon may have refused the upload: its answer says why.
            if let answer = try? admin.readResponse(fd), answer.0 != 200 { return try Self.check(answer.0, answer.1) }
            throw error
        }
        progress.bar(force: true)
        let (status, json) = try admin.readResponse(fd)
        progress.finish(ok: status == 200)
        return try Self.check(status, json)
    }

    private func stream(_ file: (label: String, path: String), size: UInt64, to fd: Int32, admin: AdminClient, progress: inout Progress) throws {
        guard let input = FileHandle(forReadingAtPath: file.path) else {
            throw AdminClient.Failure(description: "cannot open \(file.path)")
        }
        defer { try? input.close() }
        var sent: UInt64 = 0
        progress.label = file.label
        while sent < size {
            let chunk = try input.read(upToCount: Int(min(UInt64(Self.chunkBytes), size - sent))) ?? Data()
            guard !chunk.isEmpty else { throw AdminClient.Failure(description: "\(file.path) shrank while it was uploaded; nothing was kept") }
            try admin.writeAll(fd, Array(chunk))
            sent += UInt64(chunk.count)
            progress.advance(UInt64(chunk.count))
        }
    }

    private static func check(_ status: Int, _ json: [UInt8]) throws -> [UInt8] {
        guard status == 200 else {
            let error = try? JSONDecoder().decode([String: String].self, from: Data(json))
            throw AdminClient.Failure(description: error?["message"] ?? "the daemon answered HTTP \(status)")
        }
        return json
    }
}

/// The progress bar: redrawn at most ten times a second on a terminal, a summary line always.
struct Progress {
    let total: UInt64
    var done: UInt64 = 0
    var label = ""
    let started = ContinuousClock.now
    var lastDrawn = ContinuousClock.now - .seconds(1)
    let terminal = isatty(STDERR_FILENO) == 1

    init(total: UInt64) { self.total = total }

    mutating func advance(_ bytes: UInt64) {
        done += bytes
        bar(force: false)
    }

    mutating func bar(force: Bool) {
        guard terminal, force || ContinuousClock.now - lastDrawn >= .milliseconds(100) else { return }
        lastDrawn = .now
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(
            Data(
                "\r\(label.padding(toLength: 7, withPad: " ", startingAt: 0)) [\(bar)] \(Int(fraction * 100))% \(Self.mib(done))/\(Self.mib(total)) MiB \(rate) MiB/s "
                    .utf8))
    }

    var rate: String {
        let seconds = max((ContinuousClock.now - started).seconds, 0.001)
        return String(format: "%.1f", Double(done) / 1_048_576 / seconds)
    }

    func finish(ok: Bool) {
        let seconds = (ContinuousClock.now - started).seconds
        let verb = ok ? "uploaded" : "upload failed after"
        let line = "\(verb) \(done) of \(total) bytes in \(String(format: "%.1f", seconds)) s (\(rate) MiB/s)\n"
        FileHandle.standardError.write(Data(((terminal ? "\r\u{1b}[K" : "") + line).utf8))
    }

    static func mib(_ bytes: UInt64) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Sizes for people: 1.5 GiB, 12.0 MiB, 512 B.
enum ByteCount {
    static func human(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}

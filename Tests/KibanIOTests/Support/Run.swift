import Foundation

/// The outcome of running a program that is not ours (curl, python3).
struct RunResult {
    var status: Int32
    var stdout: Data
    var stderr: String

    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `arguments` (looked up on PATH) to completion and captures its output. Every client
/// started here has its own deadline (curl --max-time, socket timeouts), so this cannot hang.
func run(_ arguments: [String]) async throws -> RunResult {
    try await onOwnThread { try runBlocking(arguments) }
}

/// Runs blocking or long work on a thread of its own, so that tests never hold the few
/// threads Swift concurrency and Dispatch share (a UDP handler's reply task needs one).
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// `run` for synchronous contexts (test traits).
func runBlocking(_ arguments: [String]) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}

/// True when `name` is on PATH.
func haveCommand(_ name: String) -> Bool {
    (try? runBlocking(["sh", "-c", "command -v \(name)"]).status) == 0
}

/// A raw TCP client in Python: sends `request` (optionally one byte every `trickleMilliseconds`),
/// reads until the server closes or `deadlineSeconds` pass. Exit 0: closed by the server;
/// exit 3: still open at the deadline. Stdout: every byte received.
func rawExchange(
    port: UInt16, request: [UInt8], deadlineSeconds: Double = 10,
    trickleMilliseconds: Int = 0
) async throws -> RunResult {
    let script = """
        import base64, socket, sys, threading, time
        port, data, deadline, trickle = int(sys.argv[1]), base64.b64decode(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
        s = socket.create_connection(("127.0.0.1", port))
        def sender():
            try:
                if trickle == 0:
                    s.sendall(data); return
                for i in range(len(data)):
                    s.send(data[i:i+1]); time.sleep(trickle / 1000)
            except OSError:
                pass
        threading.Thread(target=sender, daemon=True).start()
        s.settimeout(0.2)
        out, end, closed = b"", time.monotonic() + deadline, False
        while time.monotonic() < end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                closed = True; break
            if not chunk:
                closed = True; break
            out += chunk
        sys.stdout.buffer.write(out)
        sys.exit(0 if closed else 3)
        """
    return try await run([
        "python3", "-c", script, "\(port)", Data(request).base64EncodedString(),
        "\(deadlineSeconds)", "\(trickleMilliseconds)",
    ])
}

/// Splits raw HTTP/1.1 response bytes into (status code, head text, body) triples using each
/// response's Content-Length; responses numbered in `headResponses` (answers to HEAD) and 304s
/// have no body whatever their Content-Length says.
func splitResponses(_ data: Data, headResponses: Set<Int> = []) -> [(status: Int, head: String, body: Data)] {
    var rest = data[...]
    var responses: [(Int, String, Data)] = []
    let separator = Data("\r\n\r\n".utf8)
    while let end = rest.range(of: separator) {
        let head = String(decoding: rest[..<end.lowerBound], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? -1
        let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
        let length = Int(lengthLine?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "0") ?? 0
        let bodyLength = status == 304 || headResponses.contains(responses.count) ? 0 : length
        let bodyEnd = min(rest.endIndex, end.upperBound + bodyLength)
        responses.append((status, head, Data(rest[end.upperBound..<bodyEnd])))
        rest = rest[bodyEnd...]
    }
    return responses
}

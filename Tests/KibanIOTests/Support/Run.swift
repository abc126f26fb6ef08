import Foundation
import KibanTestSupport

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

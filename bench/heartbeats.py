#!/usr/bin/env python3
"""Simulated node agents for bench/bench-nodes.sh.

  heartbeats.py enroll SOCKET NODE_ENDPOINT FIRST COUNT DIR
      For each machine S%06d from FIRST: a one-time node token through the admin socket, a fresh
      P-256 key and CSR, and POST /v1/enroll on the node API (TLS verified against the cluster
      CA). Writes DIR/SERIAL.key and DIR/SERIAL.pem (certificate and chain) and prints one line
      with the count, the time and the rate.

  heartbeats.py beat NODE_ENDPOINT FIRST COUNT DIR INTERVAL SECONDS MODE
      COUNT agents, each sending POST /v1/heartbeat with its own certificate every INTERVAL
      seconds (the first at a random point of the first interval) for SECONDS; MODE is
      `keepalive` (one TLS connection per agent, kept open) or `connect` (a new TLS connection
      per heartbeat, as `kiban agent run` does). Prints JSON: sent, ok, errors, latency.

Only the standard library and `cryptography` (for the CSRs).
"""
import asyncio
import base64
import json
import os
import random
import socket
import ssl
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def admin_call(path, method, target, body):
    """One request on the admin Unix socket; returns the decoded JSON answer."""
    data = json.dumps(body).encode()
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(f"{method} {target} HTTP/1.1\r\nHost: kiban\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ")[1])
    if status != 200:
        raise SystemExit(f"{method} {target}: HTTP {status}: {rest[:300]!r}")
    return json.loads(rest)


def token_secret(text):
    """The secret inside a `kibannode1.` token."""
    payload = text.split(".", 1)[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["secret"]


async def exchange(reader, writer, method, path, body):
    """One HTTP/1.1 request on an open connection; returns (status, body)."""
    data = b"" if body is None else json.dumps(body).encode()
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: kiban\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    length = next(int(l.split(b":")[1]) for l in lines if l.lower().startswith(b"content-length"))
    return status, await reader.readexactly(length)


def split(endpoint):
    host, port = endpoint.rsplit(":", 1)
    return host, int(port)


async def enroll(sock, endpoint, first, count, out):
    host, port = split(endpoint)
    probe = ssl.create_default_context()
    probe.check_hostname, probe.verify_mode = False, ssl.CERT_NONE
    r, w = await asyncio.open_connection(host, port, ssl=probe)
    _, ca = await exchange(r, w, "GET", "/v1/ca", None)
    w.close()
    ca_path = os.path.join(out, "ca.pem")
    with open(ca_path, "w") as f:
        f.write(json.loads(ca)["ca"])
    trust = ssl.create_default_context(cafile=ca_path)
    trust.check_hostname = False
    queue = asyncio.Queue()
    for i in range(first, first + count):
        queue.put_nowait("S%06d" % i)

    async def worker():
        r, w = await asyncio.open_connection(host, port, ssl=trust)
        while not queue.empty():
            serial = queue.get_nowait()
            token = await asyncio.to_thread(admin_call, sock, "POST", "/v1/nodes/tokens", {"serial": serial, "ttlSeconds": 3600})
            key = ec.generate_private_key(ec.SECP256R1())
            csr = x509.CertificateSigningRequestBuilder().subject_name(
                x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, serial)])).sign(key, hashes.SHA256())
            status, answer = await exchange(r, w, "POST", "/v1/enroll", {
                "secret": token_secret(token["token"]), "serial": serial,
                "csr": csr.public_bytes(serialization.Encoding.PEM).decode()})
            if status != 200:
                raise SystemExit(f"enroll {serial}: HTTP {status}: {answer[:300]!r}")
            enrolled = json.loads(answer)["enrolled"]
            with open(os.path.join(out, serial + ".key"), "wb") as f:
                f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
            with open(os.path.join(out, serial + ".pem"), "w") as f:
                f.write(enrolled["certificatePEM"] + "".join(enrolled["chainPEM"]))
        w.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(16)))
    took = time.perf_counter() - t0
    print(f"enrolled {count} machines (token through the admin socket, then a P-256 CSR over the node API), "
          f"16 at a time: {took:.1f} s, {count / took:.0f}/s")


async def beat(endpoint, first, count, out, interval, seconds, mode):
    host, port = split(endpoint)
    stop = time.monotonic() + seconds
    latencies, errors, sent = [], {}, [0]

    def context(serial):
        c = ssl.create_default_context(cafile=os.path.join(out, "ca.pem"))
        c.check_hostname = False
        c.load_cert_chain(os.path.join(out, serial + ".pem"), os.path.join(out, serial + ".key"))
        return c

    async def agent(serial):
        tls = context(serial)
        await asyncio.sleep(random.uniform(0, interval))
        conn = None
        next_at = time.monotonic()
        while next_at < stop:
            try:
                a = time.perf_counter()
                if conn is None:
                    conn = await asyncio.open_connection(host, port, ssl=tls)
                sent[0] += 1
                status, body = await exchange(*conn, "POST", "/v1/heartbeat", {"checks": []})
                latencies.append(time.perf_counter() - a)
                if status != 200:
                    errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
                if mode == "connect" or status != 200:
                    conn[1].close()
                    conn = None
            except (OSError, asyncio.IncompleteReadError, ssl.SSLError) as e:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                conn = None
            next_at += interval
            await asyncio.sleep(max(0, next_at - time.monotonic()))
        if conn is not None:
            conn[1].close()

    await asyncio.gather(*(agent("S%06d" % i) for i in range(first, first + count)))
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0
    print(json.dumps({"sent": sent[0], "ok": len(latencies) - sum(v for k, v in errors.items() if k.startswith("HTTP")),
                      "errors": errors, "p50_ms": round(q(0.5), 2), "p99_ms": round(q(0.99), 2),
                      "max_ms": round(q(1.0), 2)}))


def main():
    if sys.argv[1] == "enroll":
        _, _, sock, endpoint, first, count, out = sys.argv
        asyncio.run(enroll(sock, endpoint, int(first), int(count), out))
    elif sys.argv[1] == "beat":
        _, _, endpoint, first, count, out, interval, seconds, mode = sys.argv
        asyncio.run(beat(endpoint, int(first), int(count), out, float(interval), float(seconds), mode))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()

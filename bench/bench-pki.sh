#!/usr/bin/env bash
# The PKI benchmark (`make bench`, or BENCH_ONLY=pki bench/bench.sh): a 3-member cluster of
# real `kiban server` processes (release build, free ports, temporary data), an intermediate
# issuer and a role, then ISSUES (1000) P-256 certificates with CA-generated keys, one after
# another, through the admin socket of the leader (a raw HTTP/1.1 client on the Unix socket, no
# process per request). Figures: latency per issuance (p50, p99, max: key generation, signing,
# the inventory record and the audit record, committed through Raft), the leader's resident
# memory and state.db size before and after (flat is the goal: nothing is kept per issuance but
# the inventory record). There is no reference system in this run: Vault, step-ca and cfssl are
# not Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."
ISSUES=${ISSUES:-1000}
. bench/lib-daemon-bench.sh
bench_setup pki
start_cluster pki
k "$L" ca issuers create bench --parent root >/dev/null
printf 'issuer: bench\nallowed_names: ["*.bench.example"]\nmax_ttl: 24h\n' >"$DIR/role.yaml"
k "$L" ca roles set bench "$DIR/role.yaml" >/dev/null
rss() { awk '/VmRSS/ {print $2}' "/proc/${PIDS[$((L - 1))]}/status"; }
size() { du -k "$DIR/m$L/data/state.db" | cut -f1; }
python3 - "$DIR/m$L/kiban.sock" "$ISSUES" "${PIDS[$((L - 1))]}" "$DIR/m$L/data/state.db" <<'PY'
import json, os, socket, statistics, sys, time
path, n, pid, db = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def rss(): return int(next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")))
def call(sock, body):
    data = json.dumps(body).encode()
    sock.sendall(b"POST /v1/ca/issue/bench HTTP/1.1\r\nHost: kiban\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(data) + data)
    buf = b""
    while b"\r\n\r\n" not in buf: buf += sock.recv(65536)
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = int(next(l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")))
    while len(rest) < length: rest += sock.recv(65536)
    status = int(head.split(b" ")[1])
    if status != 200: raise SystemExit(f"issue failed: {status} {rest[:300]!r}")
def connect():
    s = socket.socket(socket.AF_UNIX); s.connect(path); return s
for i in range(20):  # warm-up, not counted
    s = connect(); call(s, {"commonName": f"w{i}.bench.example", "sans": [f"w{i}.bench.example"]}); s.close()
def dbsize(): return sum(os.path.getsize(f) for f in (db, db + "-wal") if os.path.exists(f)) // 1024
rss0, db0 = rss(), dbsize()
lat, marks = [], []
t0 = time.perf_counter()
for i in range(n):
    s = connect()
    a = time.perf_counter()
    call(s, {"commonName": f"h{i}.bench.example", "sans": [f"h{i}.bench.example"]})
    lat.append((time.perf_counter() - a) * 1000)
    s.close()
    if (i + 1) % (n // 4) == 0: marks.append(f"{i + 1}: {rss()} kB")
total = time.perf_counter() - t0
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"issue {n} P-256 certificates (CA-generated key) on the leader, one at a time: "
      f"p50 {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms, max {lat[-1]:.2f} ms, {n / total:.0f}/s")
print(f"leader RSS before {rss0} kB, after issuance " + ", ".join(marks))
print(f"state.db with its WAL {db0} kB -> {dbsize()} kB (the inventory and audit records; the WAL is checkpointed as it grows)")
PY

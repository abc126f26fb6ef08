#!/usr/bin/env bash
# Copied (only these two comment lines added) from the project's perf anchors (shared/bench/http-bench.sh, see
# docs/io.md); bench/bench-http.sh runs it with our server as OURS_URL.
# HTTP static-file anchor: nginx (Debian) on 127.0.0.1, loaded with wrk (Debian).
#   (a) boot.ipxe : ~1 KiB text file (iPXE script stand-in)
#   (b) vmlinuz.bin: 64 MiB file (kernel/initrd stand-in)
# nginx: worker_processes 2, sendfile on, tcp_nopush on, keepalive (100k requests/conn), access_log off.
# wrk: -t2 -c64 -d10s --timeout 60s --latency, RUNS=3 each, interleaved.
# server_cpu_pct_of_1core = nginx master+workers CPU / wall (200 = both cores); client_* = wrk.
# Loopback sendfile: the receiver (wrk) pays the copy, so for the 64 MiB file wrk is the bottleneck.
#
#   bash http-bench.sh
#   OURS_URL=http://127.0.0.1:8081 OURS_PIDS="1234" bash http-bench.sh
#       our file server must already serve the directory printed as "docroot:" (same files) at
#       OURS_URL/boot.ipxe and OURS_URL/vmlinuz.bin; both systems are run in each round.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PORT=${NGINX_PORT:-18080}; DUR=${DUR:-10}; CONNS=${CONNS:-64}; THREADS=${THREADS:-2}
LARGE_MB=${LARGE_MB:-64}
W=$SCRATCH/http; OUT=$SCRATCH/http-results.jsonl
need_pkgs nginx wrk python3
mkdir -p "$W/www" "$W/tmp"; : > "$OUT"
trap 'kill_started' EXIT
machine_facts

# docroot: deterministic content so any server can be pointed at the same files
"$PY" - "$W/www" "$LARGE_MB" <<'EOF'
import os, sys
d, mb = sys.argv[1], int(sys.argv[2])
script = "#!ipxe\n" + "".join(f"# filler line {i:03d} to make this ~1 KiB like a real boot script\n" for i in range(14))
script += "dhcp\nkernel http://${next-server}/vmlinuz.bin initrd=initrd.img console=ttyS0\nboot\n"
open(os.path.join(d, "boot.ipxe"), "w").write(script)
p = os.path.join(d, "vmlinuz.bin")
if not os.path.exists(p) or os.path.getsize(p) != mb << 20:
    with open(p, "wb") as f:
        blk = bytes(range(256)) * 4096  # 1 MiB
        for _ in range(mb):
            f.write(blk)
EOF
chmod -R a+rX "$W/www"; chmod a+x "$SCRATCH" "$W"
echo "docroot: $W/www ($(stat -c %s "$W/www/boot.ipxe") B boot.ipxe, $(stat -c %s "$W/www/vmlinuz.bin") B vmlinuz.bin)"

cat > "$W/nginx.conf" <<EOF
worker_processes 2;
pid $W/nginx.pid;
error_log $W/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_timeout 65; keepalive_requests 100000;
  default_type application/octet-stream;
  types { text/plain ipxe txt; }
  client_body_temp_path $W/tmp/body; proxy_temp_path $W/tmp/proxy; fastcgi_temp_path $W/tmp/fcgi;
  uwsgi_temp_path $W/tmp/uwsgi; scgi_temp_path $W/tmp/scgi;
  server { listen 127.0.0.1:$PORT; root $W/www; }
}
EOF
nginx -t -q -e "$W/error.log" -c "$W/nginx.conf"

NGINX_PIDS=()
start_nginx() {
  nginx -e "$W/error.log" -c "$W/nginx.conf" -g 'daemon off;' &
  remember_pid $!
  wait_port 127.0.0.1 "$PORT" 10 || die "nginx did not start"
  sleep 0.5
  NGINX_PIDS=("$!" $(pgrep -P "$!" || true))   # master + its workers (children of our PID)
}

bench() {  # bench LABEL URL PIDS...
  local label=$1 url=$2; shift 2
  local bg a b c0 c1
  bg=$(wait_quiet "${QUIET_MAX:-20}")
  a=$(cpu_snap); c0=$(proc_cpu_s "$@")
  # wrapper records wrk's own CPU time (CLIENT_CPU_S); --timeout 60s so slow 64 MiB transfers are not cut
  "$PY" -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:])
u = resource.getrusage(resource.RUSAGE_CHILDREN); print("CLIENT_CPU_S", u.ru_utime + u.ru_stime)' \
    timeout $((DUR + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --timeout 60s --latency "$url" > "$W/wrk.txt" 2>&1 || true
  b=$(cpu_snap); c1=$(proc_cpu_s "$@")
  "$PY" - "$W/wrk.txt" "$label" "$(cpu_busy_pct "$a" "$b")" "$bg" "$c0" "$c1" "$DUR" <<'EOF' >> "$OUT"
import json, re, sys
t = open(sys.argv[1]).read()
label, busy, bg, c0, c1, dur = sys.argv[2:8]
def num(pat, s=t):
    m = re.search(pat, s); return m and m.group(1)
unit = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
def size(v, u): return float(v) * unit[u.upper()]
def ms(v, u): return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[u]
tr = re.search(r"Transfer/sec:\s*([0-9.]+)([KMG]?B)", t)
req = re.search(r"(\d+) requests in ([0-9.]+)(\w+), ([0-9.]+)([KMG]?B) read", t)
p50 = re.search(r"50%\s+([0-9.]+)(us|ms|s)", t); p99 = re.search(r"99%\s+([0-9.]+)(us|ms|s)", t)
err = re.search(r"Non-2xx or 3xx responses: (\d+)", t); serr = re.search(r"Socket errors: (.*)", t)
d = {"label": label, "req_per_s": float(num(r"Requests/sec:\s*([0-9.]+)") or 0),
     "MiB_per_s": round(size(*tr.groups()) / (1 << 20), 1) if tr else None,
     "requests": int(req.group(1)) if req else None,
     "p50_ms": round(ms(*p50.groups()), 3) if p50 else None, "p99_ms": round(ms(*p99.groups()), 3) if p99 else None,
     "non2xx": int(err.group(1)) if err else 0, "socket_errors": serr.group(1) if serr else "",
     "machine_busy_pct": float(busy), "bg_busy_pct_before": float(bg),
     "server_cpu_pct_of_1core": round(100 * (float(c1) - float(c0)) / float(dur), 0),
     "client_cpu_pct_of_1core": round(100 * float(num(r"CLIENT_CPU_S ([0-9.]+)") or 0) / float(dur), 0)}
print(json.dumps(d))
EOF
  log "$(tail -1 "$OUT")"
}

for run in $(seq 1 "$RUNS"); do
  start_nginx
  bench "nginx 1KiB boot.ipxe c$CONNS" "http://127.0.0.1:$PORT/boot.ipxe" "${NGINX_PIDS[@]}"
  bench "nginx ${LARGE_MB}MiB vmlinuz.bin c$CONNS" "http://127.0.0.1:$PORT/vmlinuz.bin" "${NGINX_PIDS[@]}"
  kill_started
  if [ -n "${OURS_URL:-}" ]; then
    read -r -a OP <<<"${OURS_PIDS:-}"
    bench "ours 1KiB boot.ipxe c$CONNS" "$OURS_URL/boot.ipxe" "${OP[@]:-}"
    bench "ours ${LARGE_MB}MiB vmlinuz.bin c$CONNS" "$OURS_URL/vmlinuz.bin" "${OP[@]:-}"
  fi
done

echo "== HTTP static files (wrk -t$THREADS -c$CONNS -d${DUR}s --timeout 60s --latency; $RUNS runs; median [min..max]) =="
"$PY" "$BENCH_DIR/summarize.py" "$OUT" req_per_s MiB_per_s p99_ms server_cpu_pct_of_1core client_cpu_pct_of_1core machine_busy_pct bg_busy_pct_before
echo "raw: $OUT"

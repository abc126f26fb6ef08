#!/usr/bin/env bash
# HTTP static files, Kiban (KibanIO, release build) next to nginx in the same run: wrk -t2 -c64
# -d10s on a 1 KiB boot.ipxe and a 64 MiB vmlinuz.bin, RUNS rounds interleaved. The measuring
# harness is bench/http-bench.sh (copied from the project's perf anchors, shared/bench/, with
# lib.sh and summarize.py); this script builds and starts our server on the docroot it fills.
#   bench/bench-http.sh            RUNS=1 DUR=5 bench/bench-http.sh   (shorter)
set -euo pipefail
cd "$(dirname "$0")/.."
export SCRATCH=${SCRATCH:-/tmp/perf-anchors}
PORT=${KIBAN_PORT:-18081}
RINGS=${KIBAN_RINGS:-2}

nice -n 10 swift build -c release --product kiban-http-bench
BIN=$(swift build -c release --show-bin-path)/kiban-http-bench
mkdir -p "$SCRATCH/http/www"

"$BIN" "$SCRATCH/http/www" "$PORT" "$RINGS" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

OURS_URL="http://127.0.0.1:$PORT" OURS_PIDS="$SERVER" bash bench/http-bench.sh | tee "$SCRATCH/http-summary.txt"

# Kiban/nginx ratios of the medians: requests/s (1 KiB), MiB/s (64 MiB), server CPU.
/usr/bin/python3 - "$SCRATCH/http-results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(prefix, small, key):
    v = [r[key] for r in rows if r["label"].startswith(prefix) and ("1KiB" in r["label"]) == small and r.get(key) is not None]
    return statistics.median(v) if v else None
for small, key, name in [(True, "req_per_s", "1 KiB requests/s"), (False, "MiB_per_s", "64 MiB MiB/s")]:
    ours, nginx = med("ours", small, key), med("nginx", small, key)
    cpu_o, cpu_n = med("ours", small, "server_cpu_pct_of_1core"), med("nginx", small, "server_cpu_pct_of_1core")
    if ours and nginx:
        print(f"{name}: kiban {ours:.0f} / nginx {nginx:.0f} = {ours / nginx:.2f}x;"
              f" server CPU % of a core: kiban {cpu_o:.0f}, nginx {cpu_n:.0f}")
PY

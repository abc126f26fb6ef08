#!/usr/bin/env bash
# Which way of sending file bodies is fastest here: KibanIO's registered-buffer READ_FIXED+SEND
# against SPLICE through a pipe, on the 64 MiB file of bench/http-bench.sh (same content, made
# here if missing). wrk -t2 -c64 -d${DUR}s, RUNS rounds interleaved; prints the transfer rate and
# the server's CPU per round. docs/io.md records the result.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-/tmp/perf-anchors}; DOCROOT=$SCRATCH/http/www
RUNS=${RUNS:-3}; DUR=${DUR:-10}; PORT=${KIBAN_PORT:-18082}
mkdir -p "$DOCROOT"
[ "$(stat -c %s "$DOCROOT/vmlinuz.bin" 2>/dev/null || echo 0)" = 67108864 ] ||
  python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes(range(256)) * 4096 * 64)' "$DOCROOT/vmlinuz.bin"
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh bench" >&2; exit 1; }
nice -n 10 swift build -c release --product kiban-http-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)/kiban-http-bench
hz=$(getconf CLK_TCK)
for run in $(seq 1 "$RUNS"); do
  for strategy in registered splice; do
    KIBAN_FILE_SEND=$strategy "$BIN" "$DOCROOT" "$PORT" 2 >/dev/null &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true' EXIT
    up=0
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && { up=1; break; }; sleep 0.1; done
    [ $up = 1 ] || { echo "kiban-http-bench did not start on port $PORT" >&2; exit 1; }
    c0=$(awk '{print $14+$15}' "/proc/$pid/stat")
    rate=$(timeout $((DUR + 30)) wrk -t2 -c64 -d"${DUR}s" --timeout 60s "http://127.0.0.1:$PORT/vmlinuz.bin" \
      | awk '/Transfer\/sec/ {print $2}' || true)
    c1=$(awk '{print $14+$15}' "/proc/$pid/stat")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "run $run $strategy: $rate/s, server CPU $(( (c1 - c0) * 100 / hz / DUR ))% of a core"
  done
done

#!/usr/bin/env bash
# The inventory benchmark (`make bench`, or BENCH_ONLY=inventory bench/bench.sh): import
# MACHINES (5000) machines across RACKS (100) racks in one call, then query by rack and by state,
# on an in-process cluster of MEMBERS (3) stores with real SQLite files in a temp directory
# (kiban-inventory-bench). Figures: import time, query latency p50/p99 on the leader and on a
# follower, set-state latency, resident memory of the process (all members together).
# Then the same through the daemon: bench/bench-inventory-daemon.sh (real `kiban server`
# processes, the CLI, VmRSS of each server). BUILD_LOCK=FILE builds under `flock FILE`.
# There is no reference system in this run: sabakan needs etcd and Go, which this machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
MACHINES=${MACHINES:-5000}; RACKS=${RACKS:-100}; MEMBERS=${MEMBERS:-3}; QUERIES=${QUERIES:-200}
echo "building kiban-inventory-bench and kiban (release)" >&2
${BUILD_LOCK:+flock "$BUILD_LOCK"} nice -n 10 swift build -c release --product kiban-inventory-bench >/dev/null
${BUILD_LOCK:+flock "$BUILD_LOCK"} nice -n 10 swift build -c release --product kiban >/dev/null
BIN=$(swift build -c release --show-bin-path)/kiban-inventory-bench
echo "== inventory: $MACHINES machines, $RACKS racks, $MEMBERS member(s) in one process =="
"$BIN" "$MACHINES" "$RACKS" "$MEMBERS" "$QUERIES"
echo "== inventory through the daemon: $MACHINES machines, $RACKS racks, 3 kiban server processes =="
MACHINES=$MACHINES RACKS=$RACKS bench/bench-inventory-daemon.sh "$(swift build -c release --show-bin-path)/kiban"

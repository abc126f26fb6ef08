#!/usr/bin/env bash
# The inventory benchmark (`make bench`, or BENCH_ONLY=inventory scripts/bench.sh): import
# MACHINES (5000) machines across RACKS (100) racks in one call, then query by rack and by state,
# on an in-process cluster of MEMBERS (3) stores with real SQLite files in a temp directory
# (kiban-inventory-bench). Figures: import time, query latency p50/p99 on the leader and on a
# follower, set-state latency, resident memory of the process (all members together).
# There is no reference system in this run: sabakan needs etcd and Go, which this machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
MACHINES=${MACHINES:-5000}; RACKS=${RACKS:-100}; MEMBERS=${MEMBERS:-3}; QUERIES=${QUERIES:-200}
echo "building kiban-inventory-bench (release)" >&2
nice -n 10 swift build -c release --product kiban-inventory-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)/kiban-inventory-bench
echo "== inventory: $MACHINES machines, $RACKS racks, $MEMBERS member(s) in one process =="
"$BIN" "$MACHINES" "$RACKS" "$MEMBERS" "$QUERIES"

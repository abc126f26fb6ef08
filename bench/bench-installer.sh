#!/usr/bin/env bash
# The installer planner benchmark (`make bench`, or BENCH_ONLY=installer bench/bench.sh): the
# decision function's time for MACHINES (1000) machines in RACKS (5) racks (kiban-installer-bench,
# release build): every decision while a cluster is built from nothing, a decision on the built
# cluster, and the one that replaces an unreachable control-plane machine. The goal is under
# 50 ms a decision. There is no reference system: CKE's strategy runs inside CKE.
set -euo pipefail
cd "$(dirname "$0")/.."
MACHINES=${MACHINES:-1000}; RACKS=${RACKS:-5}
echo "building kiban-installer-bench (release)" >&2
${BUILD_LOCK:+flock "$BUILD_LOCK"} nice -n 10 swift build -c release --product kiban-installer-bench >/dev/null
"$(swift build -c release --show-bin-path)/kiban-installer-bench" "$MACHINES" "$RACKS"

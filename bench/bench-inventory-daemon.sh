#!/usr/bin/env bash
# The inventory through the daemon (part of `make bench-inventory`): a 3-member cluster of real
# `kiban server` processes on 127.0.0.1 (free ports, temporary data), MACHINES (5000) machines in
# RACKS (100) racks imported through the CLI on a follower in one call, then `machines get
# --rack` and `--state` timed through the CLI (process start included) on a follower, and each
# server's resident memory after the import (VmRSS from /proc/PID/status).
# Usage: bench/bench-inventory-daemon.sh PATH/TO/kiban
set -euo pipefail
KIBAN=$1
MACHINES=${MACHINES:-5000}; RACKS=${RACKS:-100}; QUERIES=${QUERIES:-20}; STATE_MACHINES=${STATE_MACHINES:-100}
DIR=$(mktemp -d /tmp/kiban-bench-inventory.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

. "$(dirname "$0")/lib-daemon-bench.sh"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

for i in 1 2 3; do
  mkdir -p "$DIR/m$i"; echo "# from flags" > "$DIR/m$i/kiban.yaml"
  "$KIBAN" server --config "$DIR/m$i/kiban.yaml" --name "bench-$i" --advertise-address 127.0.0.1 \
    --peer-port "$(free_port)" --data-dir "$DIR/m$i/data" --socket "$DIR/m$i/kiban.sock" >"$DIR/m$i/log" 2>&1 &
  PIDS+=($!)
  wait_for 60 test -S "$DIR/m$i/kiban.sock"
done
k 1 init >/dev/null
for i in 2 3; do k "$i" join "$(k 1 token create "bench-$i")" >/dev/null; done
wait_for 60 three_voters
LEADER=$(k 1 status -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["leader"])')
F=3; [ "$LEADER" = "bench-3" ] && F=2

PER_RACK=$(( (MACHINES + RACKS - 1) / RACKS ))
python3 - "$MACHINES" "$RACKS" "$PER_RACK" "$DIR" <<'PY'
import json, math, sys
machines, racks, per_rack, d = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
bits = math.ceil(math.log2(per_rack + 5))
json.dump({"max-nodes-in-rack": per_rack, "node-ipv4-pool": "10.64.0.0/12", "node-ipv4-range-size": bits,
           "node-ipv4-range-mask": 32 - bits, "node-ip-per-node": 3, "node-index-offset": 3,
           "node-gateway-offset": 1, "bmc-ipv4-pool": "10.80.0.0/12", "bmc-ipv4-range-size": bits,
           "bmc-ipv4-range-mask": 32 - bits, "bmc-ipv4-gateway-offset": 1}, open(d + "/ipam.json", "w"))
json.dump([{"serial": "S%06d" % i, "labels": {"product": "R640"}, "rack": i % racks,
            "role": "ss" if i % 50 == 0 else "cs", "bmc": {"type": "IPMI-2.0"}} for i in range(machines)],
          open(d + "/machines.json", "w"))
PY
k "$F" ipam set "$DIR/ipam.json" >/dev/null
t0=$(now_ms); k "$F" machines import "$DIR/machines.json" >/dev/null; t1=$(now_ms)
echo "import $MACHINES machines, $RACKS racks, one CLI call on a follower: $((t1 - t0)) ms"
for p in "${PIDS[@]}"; do echo "kiban server pid $p after import: $(awk '/VmRSS/ {print $2, $3}' /proc/$p/status)"; done

for i in $(seq 1 "$STATE_MACHINES"); do k "$F" machines set-state "$(printf 'S%06d' $(( i * 7 % MACHINES )))" healthy >/dev/null; done
# time_query NAME ARGS...: median and max over QUERIES CLI runs on the follower.
time_query() {
  local name=$1; shift; local times=()
  for i in $(seq 1 "$QUERIES"); do
    local a; a=$(now_ms); k "$F" machines get "$@" -o json >"$DIR/out.json"; times+=($(( $(now_ms) - a )))
  done
  local n; n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$DIR/out.json")
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v n="$n" '{ t[NR] = $1 } END {
    printf "machines get %s (%d machines), CLI on a follower, %d runs: median %d ms, max %d ms\n", name, n, NR, t[int((NR + 1) / 2)], t[NR] }'
}
time_query "--rack 42" --rack 42
time_query "--state healthy" --state healthy
time_query "--state uninitialized" --state uninitialized
for p in "${PIDS[@]}"; do echo "kiban server pid $p after queries: $(awk '/VmRSS/ {print $2, $3}' /proc/$p/status)"; done

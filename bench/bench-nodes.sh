#!/usr/bin/env bash
# The node-agent benchmark (`make bench`, or BENCH_ONLY=nodes bench/bench.sh): AGENTS (5000)
# simulated agents (bench/heartbeats.py: one process per half, asyncio, a certificate each)
# against a 3-member cluster of real `kiban server` processes (release build, 127.0.0.1, free
# ports, temporary data, `node-heartbeat-seconds` 5). Figures:
# - enrollment of every machine (a node token through the admin socket, then a CSR over the
#   node API);
# - the time until the leader has turned all of them `healthy` (one Raft write per change);
# - a steady window of WINDOW (60) seconds per mode: heartbeats answered, latency, the Raft
#   entries the cluster committed in the window (only state changes are written, so a steady
#   fleet should cost none), and the leader's CPU (utime + stime from /proc) per heartbeat and
#   as a share of one core. Modes: `keepalive` (each agent keeps one TLS connection) and
#   `connect` (a new mutual-TLS handshake per heartbeat, as `kiban agent run` does today).
# The load generator runs on the same two cores as the three members; its own CPU is shown.
# There is no reference system: sabakan-state-setter polls machines instead of receiving
# heartbeats.
set -euo pipefail
cd "$(dirname "$0")/.."
AGENTS=${AGENTS:-5000}; WINDOW=${WINDOW:-60}; INTERVAL=5
. bench/lib-daemon-bench.sh
bench_setup nodes
ulimit -n "$(ulimit -Hn)"   # 5,000 agents: the generator and the leader each hold a socket per agent
declare -A NODE_PORT
for i in 1 2 3; do
  mkdir -p "$DIR/m$i"; NODE_PORT[$i]=$(free_port)
  printf 'node-address: 127.0.0.1\nnode-port: %s\nnode-heartbeat-seconds: %s\n' "${NODE_PORT[$i]}" "$INTERVAL" >"$DIR/m$i/kiban.yaml"
done
start_cluster nodes
ENDPOINT=127.0.0.1:${NODE_PORT[$L]}

python3 - "$AGENTS" "$DIR" <<'PY'
import json, math, sys
n, d = int(sys.argv[1]), sys.argv[2]
racks = 100; per_rack = (n + racks - 1) // racks; bits = math.ceil(math.log2(per_rack + 5))
json.dump({"max-nodes-in-rack": per_rack, "node-ipv4-pool": "10.64.0.0/12", "node-ipv4-range-size": bits,
           "node-ipv4-range-mask": 32 - bits, "node-ip-per-node": 3, "node-index-offset": 3,
           "node-gateway-offset": 1, "bmc-ipv4-pool": "10.80.0.0/12", "bmc-ipv4-range-size": bits,
           "bmc-ipv4-range-mask": 32 - bits, "bmc-ipv4-gateway-offset": 1}, open(d + "/ipam.json", "w"))
json.dump([{"serial": "S%06d" % i, "rack": i % racks, "role": "cs", "bmc": {"type": "IPMI-2.0"}} for i in range(n)],
          open(d + "/machines.json", "w"))
PY
k "$L" ipam set "$DIR/ipam.json" >/dev/null
k "$L" machines import "$DIR/machines.json" >/dev/null
mkdir -p "$DIR/agents"
HALF=$(( AGENTS / 2 ))
python3 bench/heartbeats.py enroll "$DIR/m$L/kiban.sock" "$ENDPOINT" 0 "$AGENTS" "$DIR/agents"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # clock ticks
tick=$(getconf CLK_TCK)
commit() { k "$L" status -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["commitIndex"])'; }
healthy() { k "$L" nodes list -o json | python3 -c 'import json,sys; print(sum(m["state"] == "healthy" for m in json.load(sys.stdin)))'; }

# run MODE SECONDS: both halves of the fleet for SECONDS; prints the merged figures.
run() {
  local mode=$1 seconds=$2 c0 l0 t0 c1 l1 t1 g
  c0=$(commit); l0=$(cpu "$LPID"); t0=$(date +%s.%N)
  python3 bench/heartbeats.py beat "$ENDPOINT" 0 "$HALF" "$DIR/agents" "$INTERVAL" "$seconds" "$mode" >"$DIR/beat-a.json" &
  local a=$!
  python3 bench/heartbeats.py beat "$ENDPOINT" "$HALF" $(( AGENTS - HALF )) "$DIR/agents" "$INTERVAL" "$seconds" "$mode" >"$DIR/beat-b.json" &
  local b=$!
  g=0; wait "$a" || g=1; wait "$b" || g=1
  c1=$(commit); l1=$(cpu "$LPID"); t1=$(date +%s.%N)
  [ $g -eq 0 ] || { echo "the load generator failed" >&2; return 1; }
  python3 - "$mode" "$DIR/beat-a.json" "$DIR/beat-b.json" "$c0" "$c1" "$l0" "$l1" "$t0" "$t1" "$tick" "$AGENTS" "$seconds" <<'PY'
import json, sys
mode, a, b = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
c0, c1, l0, l1 = (int(x) for x in sys.argv[4:8]); t0, t1 = float(sys.argv[8]), float(sys.argv[9])
tick, agents, seconds = int(sys.argv[10]), int(sys.argv[11]), int(sys.argv[12])
ok = a["ok"] + b["ok"]; sent = a["sent"] + b["sent"]
errors = {k: a["errors"].get(k, 0) + b["errors"].get(k, 0) for k in set(a["errors"]) | set(b["errors"])}
cpu = (l1 - l0) / tick; wall = t1 - t0
print(f"{mode:9} {agents} agents, {seconds} s: {ok} heartbeats answered of {sent} ({ok / seconds:.0f}/s), errors {errors or 'none'}; "
      f"latency p50 {max(a['p50_ms'], b['p50_ms'])} ms, p99 {max(a['p99_ms'], b['p99_ms'])} ms (the worse half); "
      f"Raft entries committed {c1 - c0}; leader CPU {cpu:.1f} s in {wall:.0f} s (generator start included) = {100 * cpu / wall:.0f}% of a core, "
      f"{1e6 * cpu / max(ok, 1):.0f} us per heartbeat")
PY
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# The first heartbeats (in the background), until the leader has turned every machine healthy.
# The windows below follow within one interval or two, well inside the 3 missed intervals after
# which a machine would turn unreachable, so they start with a steady fleet.
t0=$(now_ms); c0=$(commit)
run keepalive 30 >"$DIR/first.txt" & first=$!
until [ "$(healthy)" -ge "$AGENTS" ] || (( $(now_ms) - t0 > 30000 )); do sleep 0.5; done
echo "first heartbeats: $(healthy) of $AGENTS machines healthy $(( $(now_ms) - t0 )) ms after the agents started," \
  "$(( $(commit) - c0 )) Raft entries committed (one per state change)"
wait "$first"
run keepalive "$WINDOW"
run connect "$WINDOW"
echo "leader RSS after: $(awk '/VmRSS/ {print $2, $3}' "/proc/$LPID/status")"

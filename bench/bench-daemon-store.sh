#!/usr/bin/env bash
# The store benchmark on real processes (`make bench`, or BENCH_ONLY=daemon-store bench/bench.sh).
#
# Kiban: three `kiban server` processes on 127.0.0.1 (release build), formed with `kiban init`,
# `kiban token create` and `kiban join`; Raft between them over mutual TLS with the cluster CA's
# certificates; clients put through each member's admin socket (HTTP/1.1 + JSON on a Unix
# socket, keep-alive), followers forwarding to the leader. etcd: Debian's etcd 3.4, three
# processes on loopback with peer TLS (--peer-auto-tls), clients on its HTTP/JSON gateway. Both
# driven by the same client (bench/kvload.py) in the same run, one system after the other.
#
# Workloads: seq-put (1 client, to the leader) and conc-put (64 clients spread over the members),
# 256-byte values, bounded by count and time.
# Knobs: SEQ_N (1000), CONC_N (10000), CONCS ("64"), WORKLOADS ("seq-put conc-put"),
# KIBAN_BIN (a kiban binary to use instead of building one).
set -euo pipefail
cd "$(dirname "$0")/.."
export SCRATCH; SCRATCH=$(mktemp -d /tmp/kiban-bench-daemon.XXXXXX)
source bench/lib.sh
export SEQ_N=${SEQ_N:-1000} CONC_N=${CONC_N:-10000} CONCS=${CONCS:-"64"} WORKLOADS=${WORKLOADS:-"seq-put conc-put"}
need_pkgs python3 python3-aiohttp etcd-server etcd-client
machine_facts

if [ -z "${KIBAN_BIN:-}" ]; then
  log "building kiban (release)"
  nice -n 10 swift build -c release --product kiban >/dev/null
  KIBAN_BIN=$(swift build -c release --show-bin-path)/kiban
fi
DIR=$SCRATCH/kiban-daemon
rm -rf "$DIR"; mkdir -p "$DIR"
trap 'kill_started; rm -rf "$SCRATCH"' EXIT

# Peer ports: a random block, so that concurrent runs do not collide.
PORT=$((30000 + RANDOM % 3000 * 10))
PIDS=()
for i in 1 2 3; do
  mkdir -p "$DIR/m$i"
  printf '# all settings from flags\n' > "$DIR/m$i/kiban.yaml"
  "$KIBAN_BIN" server --config "$DIR/m$i/kiban.yaml" --name "bench-$i" --advertise-address 127.0.0.1 \
    --peer-port $((PORT + i)) --data-dir "$DIR/m$i/data" --socket "$DIR/m$i/kiban.sock" > "$DIR/m$i/log" 2>&1 &
  PIDS+=($!); remember_pid $!
done
cli() { local i=$1; shift; "$KIBAN_BIN" "$@" --socket "$DIR/m$i/kiban.sock"; }
for i in 1 2 3; do
  for _ in $(seq 1 600); do cli "$i" status >/dev/null 2>&1 && break; sleep 0.1; done
done
cli 1 init >/dev/null || die "kiban init failed (see $DIR/m1/log)"
for i in 2 3; do
  cli "$i" join "$(cli 1 token create "bench-$i" --ttl 10m)" >/dev/null || die "bench-$i could not join"
done
voters() { cli 1 status -o json | "$PY" -c 'import json,sys; print(sum(m["role"] == "voter" for m in json.load(sys.stdin)["members"]))'; }
for _ in $(seq 1 600); do [ "$(voters)" = 3 ] && break; sleep 0.1; done
[ "$(voters)" = 3 ] || die "the kiban members did not all become voters"
LEADER=$(cli 1 status -o json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["leader"])')
log "kiban x3 up (pids ${PIDS[*]}), leader $LEADER"

OURS_NAME=kiban-x3 OURS_TARGET=kiban OURS_PIDS="${PIDS[*]}" \
  OURS_ENDPOINTS="$DIR/m1/kiban.sock,$DIR/m2/kiban.sock,$DIR/m3/kiban.sock" \
  OURS_LEADER="$DIR/m${LEADER##*-}/kiban.sock" \
  ETCD_PORT_BASE=$((11000 + RANDOM % 9000)) PEER_TLS=1 \
  SYSTEMS="ours etcd-x3" RUNS=1 bash bench/etcd-bench.sh >/dev/null

echo "== daemon store: 3 kiban server processes (mutual TLS, admin sockets) next to 3 etcd processes =="
"$PY" bench/summarize.py "$SCRATCH/kv-results.jsonl" ops_per_s p50_ms p99_ms server_cpu_ms_per_op
"$PY" bench/ratio.py "$SCRATCH/kv-results.jsonl"
cp "$SCRATCH/kv-results.jsonl" "/tmp/kiban-daemon-store-results.jsonl"
echo "raw: /tmp/kiban-daemon-store-results.jsonl"

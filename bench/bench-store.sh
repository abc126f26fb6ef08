#!/usr/bin/env bash
# The store benchmark (`make bench`, or BENCH_ONLY=store bench/bench.sh).
#
# Kiban: an IN-PROCESS 3-member cluster — three Store actors in one process, each with its own
# raft.db/state.db (real SQLite files, WAL, raft.db synchronous=FULL) in a temp directory,
# LocalTransport between them, no network and no RPC layer — driven through the Swift API by
# kiban-store-bench. etcd: Debian's etcd 3.4, 3 processes on loopback, driven over its HTTP/JSON
# gateway by bench/kvload.py (Python asyncio). Same workloads, same counts, same machine, same
# run. The two are not the same shape (no network and no client protocol on Kiban's side), so
# the ratio says where the store stands, not how the finished daemon will compare.
#
# Workloads: seq-put (1 client, to the leader), conc-put (16 and 64 clients spread over the
# members), lin-get (linearizable reads of 1000 preloaded keys). 256-byte values.
# Knobs: RUNS (3), SEQ_N (1000), CONC_N (10000), CONCS ("16 64"), SYSTEMS ("kiban etcd").
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
RUNS=${RUNS:-3}; SEQ_N=${SEQ_N:-1000}; CONC_N=${CONC_N:-10000}; CONCS=${CONCS:-"16 64"}
SYSTEMS=${SYSTEMS:-"kiban etcd"}
OUT=$SCRATCH/store-results.jsonl
: > "$OUT"

machine_facts
if [[ " $SYSTEMS " == *" kiban "* ]]; then
  log "building kiban-store-bench (release)"
  nice -n 10 swift build -c release --product kiban-store-bench >/dev/null
  BIN=$(swift build -c release --show-bin-path)/kiban-store-bench
fi
# Runs alternate between the two systems, each after the machine is quiet (it may be shared),
# so that both see the same background noise.
for run in $(seq 1 "$RUNS"); do
  if [[ " $SYSTEMS " == *" kiban "* ]]; then
    bg=$(wait_quiet "${QUIET_MAX:-20}")
    log "run $run/$RUNS: kiban in-process x3 (background busy before: $bg%)"
    # shellcheck disable=SC2086
    "$BIN" "$SEQ_N" "$CONC_N" $CONCS | tee -a "$OUT"
  fi
  if [[ " $SYSTEMS " == *" etcd "* ]]; then
    SYSTEMS=etcd-x3 RUNS=1 SEQ_N=$SEQ_N CONC_N=$CONC_N CONCS=$CONCS bash bench/etcd-bench.sh >/dev/null
    cat "$SCRATCH/kv-results.jsonl" >> "$OUT"
  fi
done

echo "== store: median [min..max] over $RUNS runs (Kiban = in-process 3-member cluster, see the header) =="
"$PY" bench/summarize.py "$OUT" ops_per_s p50_ms p99_ms
"$PY" bench/ratio.py "$OUT"
echo "raw: $OUT"

#!/usr/bin/env bash
# DHCPv4 DORA exchanges/s and drop rate, Kiban next to ISC Kea (kea-dhcp4-server, memfile) in
# the same run: perfdhcp (Debian kea-admin) acts as a relay (giaddr 198.18.0.2, in the rack
# subnet) and unicasts to 198.18.0.1 in a network namespace. Kiban is three real `kiban server`
# processes (release build) formed with init/token/join, IPAM and DHCP settings set through the
# CLI (bench/dhcp-bench-cluster.sh); member 1 answers on 198.18.0.1, and every lease is
# committed through Raft to the three members' SQLite logs before the reply goes out. Kea keeps
# its leases in one process, in memory and a CSV file. The measuring harness is
# bench/dhcp-bench.sh (from the project's perf anchors, shared/bench/); "custom" in its table is
# Kiban. A fresh cluster (and a fresh Kea) for every measurement; Kea and Kiban take turns at
# each rate, so that both meet about the same load on a shared machine.
#   bench/bench-dhcp.sh                        RATES="2000 flood" PERIOD=5 bench/bench-dhcp.sh
#   KIBAN_BIN=.build/release/kiban bench/bench-dhcp.sh   (a release binary built beforehand)
set -euo pipefail
cd "$(dirname "$0")/.."
export SCRATCH=${SCRATCH:-/tmp/perf-anchors}
export RUNS=${RUNS:-1} PERIOD=${PERIOD:-10} CLIENTS=${CLIENTS:-10000}
RATES=${RATES:-"2000 4000 6000 8000 10000 flood"}
export KEA_RATES=${KEA_RATES:-$RATES} CUSTOM_RATES=${CUSTOM_RATES:-$RATES}
[ "$PERIOD" -le 20 ] || { echo "PERIOD is at most 20 s per measurement" >&2; exit 2; }

# KIBAN_BIN: a release binary built beforehand (on a shared machine, under its build lock).
if [ -n "${KIBAN_BIN:-}" ]; then BIN=$(realpath "$KIBAN_BIN")
else
  nice -n 10 swift build -c release --product kiban
  BIN=$(swift build -c release --show-bin-path)/kiban
fi
W=$SCRATCH/dhcp; mkdir -p "$W"
# sabakan IPAM with one /16 "rack" whose lease range is 198.18.1.0–198.18.255.254 (Kea's pool).
cat >"$W/kiban-ipam.json" <<EOJ
{"max-nodes-in-rack": 252, "node-ipv4-pool": "198.18.0.0/16", "node-ipv4-range-size": 16,
 "node-ipv4-range-mask": 16, "node-ip-per-node": 1, "node-index-offset": 3, "node-gateway-offset": 1,
 "bmc-ipv4-pool": "198.19.0.0/16", "bmc-ipv4-range-size": 8, "bmc-ipv4-range-mask": 24,
 "bmc-ipv4-gateway-offset": 1}
EOJ

SERVERS=${SERVERS:-"kea custom"} INTERLEAVE_RATES=$RATES CUSTOM_READY_FILE="$W/kiban-cluster/ready" \
  CUSTOM_DHCP_CMD="bash $PWD/bench/dhcp-bench-cluster.sh $BIN $W/kiban-cluster $W/kiban-ipam.json 3600" \
  bash bench/dhcp-bench.sh | tee "$SCRATCH/dhcp-summary.txt"

# One table: per offered rate, Kea and Kiban side by side, and each one's highest zero-drop rate.
/usr/bin/python3 - "$SCRATCH/dhcp-results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(server, rate, key):
    v = [r[key] for r in rows if r["server"] == server and r["rate"] == rate and r.get(key) is not None]
    return statistics.median(v) if v else None
rates = list(dict.fromkeys(r["rate"] for r in rows))
print(f"{'offered':>8} | {'Kea DORA/s':>10} {'drop %':>7} | {'Kiban DORA/s':>12} {'drop %':>7} | {'Kiban/Kea':>9} | bg busy % (kea, kiban)")
for rate in rates:
    k, c = med("kea", rate, "dora_per_s"), med("custom", rate, "dora_per_s")
    kd, cd = med("kea", rate, "drop_pct"), med("custom", rate, "drop_pct")
    f = lambda v, p=0: "-" if v is None else f"{v:.{p}f}"
    ratio = f"{c / k:.2f}x" if k and c is not None else "-"
    print(f"{rate:>8} | {f(k):>10} {f(kd, 2):>7} | {f(c):>12} {f(cd, 2):>7} | {ratio:>9} | "
          f"{f(med('kea', rate, 'bg_busy_pct_before'))}, {f(med('custom', rate, 'bg_busy_pct_before'))}")
for server, name in (("kea", "Kea"), ("custom", "Kiban")):
    zero = [int(r) for r in rates if r != "flood" and med(server, r, "drop_pct") == 0]
    print(f"highest offered rate with zero drops, {name}: {max(zero) if zero else 'none'}/s")
PY

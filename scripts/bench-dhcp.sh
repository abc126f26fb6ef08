#!/usr/bin/env bash
# DHCPv4 DORA exchanges/s and drop rate, Kiban next to ISC Kea (kea-dhcp4-server, memfile) in
# the same run: perfdhcp (Debian kea-admin) acts as a relay (giaddr 198.18.0.2) and unicasts
# to 198.18.0.1 in a network namespace. Kiban runs as kiban-dhcp-harness (release build): one
# DHCP server on 198.18.0.1 over a 3-member in-process store, so every lease is committed
# through Raft to three SQLite logs before the reply goes out; Kea keeps its leases in one
# process, in memory and a CSV file. The measuring harness is bench/dhcp-bench.sh (copied from
# the project's perf anchors, shared/bench/); "custom" in its table is Kiban.
#   scripts/bench-dhcp.sh        RUNS=3 PERIOD=10 scripts/bench-dhcp.sh   (longer)
#   KIBAN_OFFERS=memory scripts/bench-dhcp.sh   (OFFERs held in the server's view, not the store)
set -euo pipefail
cd "$(dirname "$0")/.."
export SCRATCH=${SCRATCH:-/tmp/perf-anchors}
export RUNS=${RUNS:-1} PERIOD=${PERIOD:-10} CLIENTS=${CLIENTS:-10000}
export KEA_RATES=${KEA_RATES:-"1000 4000 flood"} CUSTOM_RATES=${CUSTOM_RATES:-"1000 4000 flood"}

# KIBAN_DHCP_HARNESS: a release binary built beforehand (on a shared machine, under its build lock).
if [ -n "${KIBAN_DHCP_HARNESS:-}" ]; then BIN=$KIBAN_DHCP_HARNESS
else
  nice -n 10 swift build -c release --product kiban-dhcp-harness
  BIN=$(swift build -c release --show-bin-path)/kiban-dhcp-harness
fi
W=$SCRATCH/dhcp; mkdir -p "$W"
# sabakan IPAM with one /16 "rack" whose lease range is 198.18.1.0–198.18.255.254 (Kea's pool).
cat >"$W/kiban-ipam.json" <<EOJ
{"max-nodes-in-rack": 252, "node-ipv4-pool": "198.18.0.0/16", "node-ipv4-range-size": 16,
 "node-ipv4-range-mask": 16, "node-ip-per-node": 1, "node-index-offset": 3, "node-gateway-offset": 1,
 "bmc-ipv4-pool": "198.19.0.0/16", "bmc-ipv4-range-size": 8, "bmc-ipv4-range-mask": 24,
 "bmc-ipv4-gateway-offset": 1}
EOJ
# A fresh cluster for every measurement, like Kea's fresh lease file.
cat >"$W/kiban-dhcp.sh" <<EOS
rm -rf "$W/kiban-data"
exec "$BIN" --directory "$W/kiban-data" --servers 198.18.0.1 --members 3 --ipam "$W/kiban-ipam.json" \
     --lease-seconds 3600 --until-killed yes --offers ${KIBAN_OFFERS:-store} </dev/null
EOS

SERVERS=${SERVERS:-"kea custom"} CUSTOM_DHCP_CMD="bash $W/kiban-dhcp.sh" bash bench/dhcp-bench.sh \
  | tee "$SCRATCH/dhcp-summary.txt"

# Kiban/Kea ratios of the medians, per offered rate.
/usr/bin/python3 - "$SCRATCH/dhcp-results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(server, rate, key):
    v = [r[key] for r in rows if r["server"] == server and r["rate"] == rate and r.get(key) is not None]
    return statistics.median(v) if v else None
for rate in dict.fromkeys(r["rate"] for r in rows):
    k, c = med("kea", rate, "dora_per_s"), med("custom", rate, "dora_per_s")
    if k and c is not None:
        print(f"rate {rate}: DORA/s kiban {c:.0f} (drop {med('custom', rate, 'drop_pct')} %) / "
              f"kea {k:.0f} (drop {med('kea', rate, 'drop_pct')} %) = {c / k:.2f}x")
PY

#!/usr/bin/env bash
# DHCPv4 anchor: server in netns pa-dhcp-s, perfdhcp (Debian kea-admin) in netns pa-dhcp-c,
# joined by a veth pair (pa-vs <-> pa-vc). Addresses: 198.18.0.0/16 (RFC 2544 benchmarking range);
# the namespaces have no route anywhere else, so no packet can leave them.
#
#   bash dhcp-bench.sh                       # kea (memfile) then dnsmasq, RUNS=3
#   SERVERS=kea bash dhcp-bench.sh
#   SERVERS=custom CUSTOM_DHCP_CMD='/path/to/our-dhcpd --iface pa-vs ...' bash dhcp-bench.sh
#       (runs in netns pa-dhcp-s, in the foreground; must serve 198.18.1.0-198.18.255.254/16 on
#        pa-vs, server address 198.18.0.1; perfdhcp acts as a relay with giaddr 198.18.0.2)
#
# Per run and server: a fresh server with an empty lease store, then perfdhcp for PERIOD s at a
# fixed rate (-r) from a ramp, and one unthrottled flood (no -r). -R 10000 simulated clients.
# dora_per_s = completed DORA (ACKs received) / PERIOD; drop_pct = 1 - ACKs / DISCOVERs sent.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SERVERS=${SERVERS:-"kea dnsmasq"}
PERIOD=${PERIOD:-10}; CLIENTS=${CLIENTS:-10000}
KEA_RATES=${KEA_RATES:-"1000 2000 4000 6000 8000 10000 12000 flood"}
DNSMASQ_RATES=${DNSMASQ_RATES:-"250 500 1000 2000 flood"}
CUSTOM_RATES=${CUSTOM_RATES:-"1000 2000 4000 8000 flood"}
NS_S=pa-dhcp-s; NS_C=pa-dhcp-c
W=$SCRATCH/dhcp; OUT=$SCRATCH/dhcp-results.jsonl
mkdir -p "$W"; : > "$OUT"

need_pkgs iproute2 kea-admin python3 busybox
for s in $SERVERS; do
  case $s in kea) need_pkgs kea-dhcp4-server ;; dnsmasq) need_pkgs dnsmasq-base ;; esac
done

netns_down() { ip netns del $NS_S 2>/dev/null || true; ip netns del $NS_C 2>/dev/null || true; }
cleanup() { kill_started; netns_down; }
trap cleanup EXIT
machine_facts

netns_down
ip netns add $NS_S; ip netns add $NS_C
ip link add pa-vs type veth peer name pa-vc
ip link set pa-vs netns $NS_S; ip link set pa-vc netns $NS_C
ip -n $NS_S addr add 198.18.0.1/16 dev pa-vs; ip -n $NS_C addr add 198.18.0.2/16 dev pa-vc
for ns in $NS_S $NS_C; do ip -n $ns link set lo up; done
ip -n $NS_S link set pa-vs up; ip -n $NS_C link set pa-vc up
ip netns exec $NS_C busybox ping -c1 -W2 198.18.0.1 >/dev/null || die "veth link not up"

cat > "$W/kea4.json" <<EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["pa-vs"], "dhcp-socket-type": "raw"},
  "lease-database": {"type": "memfile", "persist": true, "name": "$W/kea-leases4.csv", "lfc-interval": 0},
  "valid-lifetime": 3600, "renew-timer": 900, "rebind-timer": 1800,
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/16", "pools": [{"pool": "198.18.1.0 - 198.18.255.254"}]}],
  "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "$W/kea.log"}], "severity": "WARN"}]
}}
EOF

SRV_PID=""
start_server() {  # start_server NAME
  rm -f "$W"/kea-leases4.csv* "$W/dnsmasq.leases"
  [ -z "${CUSTOM_READY_FILE:-}" ] || rm -f "$CUSTOM_READY_FILE"
  case $1 in
    kea)
      KEA_PIDFILE_DIR=$W KEA_LOCKFILE_DIR=$W ip netns exec $NS_S kea-dhcp4 -c "$W/kea4.json" > "$W/kea.out" 2>&1 &
      SRV_PID=$! ;;
    dnsmasq)
      ip netns exec $NS_S dnsmasq --keep-in-foreground --port=0 --interface=pa-vs --bind-interfaces \
        --no-ping --quiet-dhcp --dhcp-authoritative --dhcp-lease-max=70000 \
        --dhcp-range=198.18.1.0,198.18.255.254,255.255.0.0,1h \
        --dhcp-leasefile="$W/dnsmasq.leases" --pid-file="$W/dnsmasq.pid" --log-facility="$W/dnsmasq.log" \
        > "$W/dnsmasq.out" 2>&1 &
      SRV_PID=$! ;;
    custom)
      [ -n "${CUSTOM_DHCP_CMD:-}" ] || die "SERVERS=custom needs CUSTOM_DHCP_CMD"
      ip netns exec $NS_S bash -c "exec $CUSTOM_DHCP_CMD" > "$W/custom.out" 2>&1 &
      SRV_PID=$! ;;
    *) die "unknown server $1" ;;
  esac
  remember_pid "$SRV_PID"
  local i
  if [ -n "${CUSTOM_READY_FILE:-}" ] && [ "$1" = custom ]; then   # a server that takes a while to form
    for i in $(seq 1 1200); do
      [ -e "$CUSTOM_READY_FILE" ] && return 0
      kill -0 "$SRV_PID" 2>/dev/null || { tail -5 "$W/custom.out" >&2; die "custom server exited"; }
      sleep 0.1
    done
    die "custom server not ready within 120 s ($CUSTOM_READY_FILE)"
  fi
  for i in $(seq 1 50); do
    ip netns exec $NS_S ss -lun 2>/dev/null | grep -q ':67 ' && { sleep 0.3; return 0; }; sleep 0.1
  done
  die "$1 did not open udp/67"
}

# Datagrams the kernel dropped because perfdhcp's socket buffer was full (its side of the veth).
client_rcvbuf_errors() { ip netns exec $NS_C awk '/^Udp:/ { getline; print $6 }' /proc/net/snmp; }

proc_tree() {  # proc_tree PID: PID and its descendants
  local c; echo "$1"
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do proc_tree "$c"; done
}

stop_server() { kill_started; SRV_PID=""; }

measure() {  # measure SERVER RATE RUN
  local srv=$1 rate=$2 run=$3 ra="" bg c0 c1 a b rc=0
  [ "$rate" != flood ] && ra="-r $rate"
  start_server "$srv"
  bg=$(wait_quiet "${QUIET_MAX:-20}")
  local pids; pids=$(proc_tree "$SRV_PID")   # the server and what it started (a cluster's members)
  c0=$(proc_cpu_s $pids); a=$(cpu_snap); e0=$(client_rcvbuf_errors)
  # bounded: -p PERIOD seconds, timeout as a backstop
  timeout $((PERIOD + 30)) ip netns exec $NS_C perfdhcp -4 -l pa-vc $ra -R "$CLIENTS" -p "$PERIOD" \
    198.18.0.1 > "$W/perfdhcp.txt" 2>&1 || rc=$?
  c1=$(proc_cpu_s $pids); b=$(cpu_snap); e1=$(client_rcvbuf_errors)
  stop_server
  [ $rc = 0 ] || [ $rc = 3 ] || { log "perfdhcp rc=$rc"; tail -5 "$W/perfdhcp.txt" >&2; }
  "$PY" - "$W/perfdhcp.txt" "$srv" "$rate" "$run" "$PERIOD" "$(cpu_busy_pct "$a" "$b")" "$bg" "$c0" "$c1" "$((e1 - e0))" >> "$OUT" <<'EOF'
import json, re, sys
txt = open(sys.argv[1]).read()
srv, rate, run, period, busy, bg, c0, c1, rcvbuf = sys.argv[2:11]
period = float(period)
def sect(name):
    m = re.search(r"\*\*\*Statistics for: " + name + r"\*\*\*(.*?)(\*\*\*|\Z)", txt, re.S)
    body = m.group(1) if m else ""
    g = lambda k: (lambda mm: float(mm.group(1)) if mm else 0.0)(re.search(k + r":\s*([0-9.]+)", body))
    return {"sent": g("sent packets"), "recv": g("received packets"), "avg_ms": g("avg delay"), "max_ms": g("max delay")}
do, ra = sect("DISCOVER-OFFER"), sect("REQUEST-ACK")
m = re.search(r"Rate:\s*([0-9.]+)", txt)
d = {"label": f"{srv} " + ("flood (no -r)" if rate == "flood" else f"-r {int(rate):5d}"), "server": srv, "rate": rate,
     "run": int(run), "discover_sent": int(do["sent"]), "acks": int(ra["recv"]),
     "dora_per_s": round(ra["recv"] / period, 1),
     "drop_pct": round(100 * (1 - ra["recv"] / do["sent"]), 2) if do["sent"] else None,
     "do_avg_ms": do["avg_ms"], "ra_avg_ms": ra["avg_ms"], "perfdhcp_rate": float(m.group(1)) if m else None,
     "machine_busy_pct": float(busy), "bg_busy_pct_before": float(bg), "client_rcvbuf_errors": int(rcvbuf),
     "server_cpu_ms_per_dora": round(1000 * (float(c1) - float(c0)) / ra["recv"], 3) if ra["recv"] else None}
print(json.dumps(d))
EOF
  log "$(tail -1 "$OUT")"
}

if [ -n "${INTERLEAVE_RATES:-}" ]; then
  # Every server at one rate before the next rate: on a shared machine whose load changes,
  # the servers compared at a rate meet about the same load.
  for run in $(seq 1 "$RUNS"); do
    for r in $INTERLEAVE_RATES; do for srv in $SERVERS; do measure "$srv" "$r" "$run"; done; done
  done
else
  for srv in $SERVERS; do
    case $srv in kea) rates=$KEA_RATES ;; dnsmasq) rates=$DNSMASQ_RATES ;; *) rates=$CUSTOM_RATES ;; esac
    for run in $(seq 1 "$RUNS"); do
      for r in $rates; do measure "$srv" "$r" "$run"; done
    done
  done
fi

echo "== DHCPv4 DORA (perfdhcp -R $CLIENTS -p $PERIOD; $RUNS runs; median [min..max]) =="
echo "command: ip netns exec $NS_C perfdhcp -4 -l pa-vc [-r RATE] -R $CLIENTS -p $PERIOD 198.18.0.1"
"$PY" "$BENCH_DIR/summarize.py" "$OUT" dora_per_s drop_pct ra_avg_ms server_cpu_ms_per_dora bg_busy_pct_before
echo "raw: $OUT"

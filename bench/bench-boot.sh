#!/usr/bin/env bash
# bench-boot.sh -- a boot storm: N machines (default 1000) get an address by DHCP, then fetch
# the iPXE entry script, their own script, the kernel, the initrd and their rendered
# configuration. Against a three-member Kiban cluster (three `kiban server` processes) and,
# in the same run, against dnsmasq + nginx serving the same bytes. One table: DHCP phase time
# and clients left without a lease, HTTP phase time and errors, total time. Needs root.
#
#   rack ns: perfdhcp, HTTP client   router ns: dhcrelay, forwarding   servers (10.0.0.0/24):
#   10.64.0.2/19 ─────────────────── br-rack 10.64.0.1 │ br-srv 10.0.0.1 ┬ bs ns: Kiban .11 .12 .13
#                                                                        └ ref ns: dnsmasq, nginx .21
#
# Inventory: `kiban ipam set` (racks of RACK_SIZE machines, /19 rack subnets in 10.64.0.0/10),
# `kiban machines import` (N machines STORM-00000…, role worker), `kiban images upload` (one
# KERNEL_MB + INITRD_MB image, replicated to the other members), a template and kernel
# parameters for the role. nginx gets every script and configuration pre-rendered by Kiban,
# so both serve the same bytes.
#
# DHCP: perfdhcp --scenario avalanche -R N: N distinct MACs send DISCOVER at once, then each
# retransmits with back-off until it is ACKed (bounded by DHCP_SECONDS). perfdhcp relays
# (giaddr 10.64.0.2, rack 0's subnet) and broadcasts; dhcrelay forwards to every server, as
# docs/dhcp.md tells rack routers to. Kiban commits each lease through Raft to three SQLite
# logs before replying; dnsmasq (no ping check, same range and lease time) writes a lease file.
# HTTP: bench/boot-storm.py, C machines at a time, machine i from Kiban member i % 3.
# Every round starts with no lease on either side (Kiban's lease keys deleted, members
# restarted; dnsmasq restarted with an empty lease file) and new MACs.
#
# Usage: [N=1000] [C=64] [ROUNDS=1] [KERNEL_MB=8] [INITRD_MB=1] [RACK_SIZE=40]
#        [DHCP_SECONDS=60] [HTTP_SECONDS=300] [KEEP=1] [KIBAN=path/to/kiban | BUILD_LOCK=file]
#        bench/bench-boot.sh
set -euo pipefail
N=${N:-1000}; C=${C:-64}; ROUNDS=${ROUNDS:-1}; KERNEL_MB=${KERNEL_MB:-8}; INITRD_MB=${INITRD_MB:-1}
RACK_SIZE=${RACK_SIZE:-40}; DHCP_SECONDS=${DHCP_SECONDS:-60}; HTTP_SECONDS=${HTTP_SECONDS:-300}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "bench-boot: skipped: needs root (network namespaces, DHCP on port 67); run it as root" >&2; exit 0
fi
for tool in perfdhcp dhcrelay dnsmasq nginx curl; do
  command -v "$tool" >/dev/null || { echo "bench-boot: $tool is missing: run scripts/install-deps.sh bench" >&2; exit 1; }
done
[ $((N * ROUNDS)) -le 8000 ] && [ "$N" -ge 1 ] && [ "$ROUNDS" -ge 1 ] \
  || { echo "bench-boot: N * ROUNDS must be 1 to 8000 (the lease range of one /19 rack)" >&2; exit 2; }
if [ -z "${KIBAN:-}" ]; then   # BUILD_LOCK: a lock file to build under, on a shared machine
  (cd "$HERE/.." && ${BUILD_LOCK:+flock "$BUILD_LOCK"} nice -n 10 swift build -c release --product kiban >/dev/null)
  KIBAN=$(cd "$HERE/.." && swift build -c release --show-bin-path)/kiban
fi

P=kbs$$                                   # namespace prefix, unique per run
W=$(mktemp -d /tmp/kiban-bench-boot-XXXXXX); chmod 755 "$W"   # nginx workers read it
NSLIST=(); PIDS=()
log() { printf '[%s] %s\n' "$(date -u +%T)" "$*" >&2; }
die() { log "FAIL $*"; exit 1; }
cleanup() {
  set +e
  local pid n
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  local alive
  for _ in $(seq 50); do   # up to 10 s to stop
    alive=0; for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 1 ] || break; sleep 0.2
  done
  for n in "${NSLIST[@]}"; do for pid in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done; done
  wait 2>/dev/null
  for n in "${NSLIST[@]}"; do ip netns del "$n" 2>/dev/null; done
  [ "${KEEP:-0}" = 1 ] && log "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wait_for() {  # wait_for SECONDS CMD...: poll until CMD succeeds
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 0.2; done
}
ns() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }   # foreground only: `ns … &` would give $! of a subshell
UNMASKED=(python3 "$HERE/../integration/harness/unmasked.py")   # kiban server gets default signal handling

# ---- topology
mkns() { ip netns add "$P-$1"; NSLIST+=("$P-$1"); ip -n "$P-$1" link set lo up; }
plug() {  # plug NS BRIDGE ADDRESS/LEN... : NS's eth0 on BRIDGE of the router, default route via it
  local n=$1 br=$2; shift 2
  mkns "$n"
  ip -n "$P-$n" link add eth0 type veth peer name "p-$n" netns "$P-rtr"
  ip -n "$P-rtr" link set "p-$n" master "$br" up
  for a in "$@"; do ip -n "$P-$n" addr add "$a" dev eth0; done
  ip -n "$P-$n" link set eth0 up
  ip -n "$P-$n" route add default via "$(ip -n "$P-rtr" -4 -o addr show dev "$br" | awk '{sub(/\/.*/, "", $4); print $4}')"
}
mkns rtr
ns rtr sysctl -qw net.ipv4.ip_forward=1
ip -n "$P-rtr" link add br-srv type bridge; ip -n "$P-rtr" addr add 10.0.0.1/24 dev br-srv
ip -n "$P-rtr" link add br-rack type bridge; ip -n "$P-rtr" addr add 10.64.0.1/19 dev br-rack
ip -n "$P-rtr" link set br-srv up; ip -n "$P-rtr" link set br-rack up
plug bs br-srv 10.0.0.11/24 10.0.0.12/24 10.0.0.13/24
plug ref br-srv 10.0.0.21/24
plug rack br-rack 10.64.0.2/19

# ---- Kiban: three members, formed with init, token and join
kcli() { local m=$1; shift; "$KIBAN" "$@" --socket "$W/ks$m/kiban.sock"; }
declare -A KPID=()
start_members() {  # start (or restart) the three members, with the same data directories
  local m
  for m in 1 2 3; do
    if [ -n "${KPID[$m]:-}" ]; then kill "${KPID[$m]}"; wait "${KPID[$m]}" 2>/dev/null || true; fi
  done
  for m in 1 2 3; do
    mkdir -p "$W/ks$m"; : >"$W/ks$m/kiban.yaml"
    "${UNMASKED[@]}" ip netns exec "$P-bs" "$KIBAN" server --config "$W/ks$m/kiban.yaml" --name "ks$m" \
        --advertise-address "10.0.0.1$m" --peer-port 10090 --data-dir "$W/ks$m/data" --socket "$W/ks$m/kiban.sock" \
        --dhcp-address "10.0.0.1$m" --dhcp-port 67 --http-port 10080 --metrics-address "10.0.0.1$m" >>"$W/ks$m/server.log" 2>&1 &
    KPID[$m]=$!; PIDS+=($!)
  done
  for m in 1 2 3; do wait_for 60 test -S "$W/ks$m/kiban.sock" || { tail -20 "$W/ks$m/server.log"; die "ks$m opened no socket"; }; done
}
start_members
kcli 1 init >/dev/null || die "kiban init"
for m in 2 3; do kcli "$m" join "$(kcli 1 token create "ks$m")" >/dev/null || die "ks$m could not join"; done
voters() { kcli 1 status -o json | python3 -c 'import json,sys; sys.exit(sum(m["role"] == "voter" for m in json.load(sys.stdin)["members"]) != 3)'; }
wait_for 90 voters || die "the three members are not all voters"

# ---- inventory, image, template: one call each
python3 - "$W" "$N" "$RACK_SIZE" <<'EOP'
import json, sys
w, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
json.dump({"max-nodes-in-rack": size, "node-ipv4-pool": "10.64.0.0/10", "node-ipv4-range-size": 13,
           "node-ipv4-range-mask": 19, "node-ip-per-node": 1, "node-index-offset": 3, "node-gateway-offset": 1,
           "bmc-ipv4-pool": "10.192.0.0/14", "bmc-ipv4-range-size": 6, "bmc-ipv4-range-mask": 26,
           "bmc-ipv4-gateway-offset": 1}, open(f"{w}/ipam.json", "w"))
json.dump([{"serial": f"STORM-{i:05d}", "rack": i // size, "role": "worker", "bmc": {"type": "IPMI-2.0"},
            "labels": {"product": "R640"}} for i in range(n)], open(f"{w}/machines.json", "w"))
EOP
cat >"$W/worker.ign.mustache" <<'EOT'
{"ignition": {"version": "3.4.0"},
 "storage": {"files": [
  {"path": "/etc/hostname", "contents": {"source": "data:,{{serial}}"}},
  {"path": "/etc/kiban/node.env", "contents": {"source": "data:,RACK={{rack}} INDEX={{index}} ADDRESS={{address}} GATEWAY={{gateway}} BMC={{bmc_address}}"}},
  {"path": "/etc/kiban/ca.pem", "contents": {"source": "data:,{{ca_certificate_json}}"}}]}}
EOT
head -c "${KERNEL_MB}M" /dev/urandom >"$W/kernel"; head -c "${INITRD_MB}M" /dev/urandom >"$W/initrd"
printf 'lease-seconds: 3600\n' >"$W/dhcp.yaml"
t0=$SECONDS
kcli 1 ipam set "$W/ipam.json" >/dev/null || die "kiban ipam set"
kcli 1 machines import "$W/machines.json" >/dev/null || die "kiban machines import"
log "registered $N machines in $((SECONDS - t0)) s (one kiban machines import)"
kcli 1 dhcp set "$W/dhcp.yaml" >/dev/null || die "kiban dhcp set"
kcli 1 images upload storm --kernel "$W/kernel" --initrd "$W/initrd" >/dev/null 2>&1 || die "kiban images upload"
kcli 1 kernel-params set worker "console=ttyS0 panic=-1" >/dev/null || die "kiban kernel-params set"
kcli 1 templates set worker v1 "$W/worker.ign.mustache" >/dev/null || die "kiban templates set"
on_all_members() { kcli 1 images list -o json | python3 -c 'import json,sys; sys.exit(any(len(i["members"]) != 3 for i in json.load(sys.stdin)))'; }
wait_for 120 on_all_members || die "the image did not reach all three members"
last=$(printf 'STORM-%05d' $((N - 1)))
ready() {  # every member serves the last machine's script, its image without a redirect, and DHCP
  local m; for m in 1 2 3; do
    ns rack curl -sf "http://10.0.0.1$m:10080/boot/machines/$last/ipxe" | grep -q '^kernel .*kiban.config=' || return 1
    [ "$(ns rack curl -s -o /dev/null -w '%{http_code}' "http://10.0.0.1$m:10080/boot/images/storm/initrd")" = 200 ] || return 1
    kcli "$m" dhcp status -o json | grep -q '"serving":true' || return 1
  done
}
wait_for 120 ready || die "not every member serves $last, the image and DHCP"

# ---- dnsmasq + nginx over the same bytes: Kiban's scripts and configurations, pre-rendered
mkdir -p "$W/www/boot/images/storm"; cp "$W/kernel" "$W/initrd" "$W/www/boot/images/storm/"
ns rack python3 - "$W/www" "$N" <<'EOP' || die "pre-rendering the scripts for nginx"
import os, sys, urllib.request
www, n = sys.argv[1], int(sys.argv[2])
get = lambda path: urllib.request.urlopen("http://10.0.0.11:10080" + path, timeout=60).read().replace(b"10.0.0.11:", b"10.0.0.21:")
def put(path, body):
    os.makedirs(os.path.dirname(www + path), exist_ok=True)
    open(www + path, "wb").write(body)
put("/boot/ipxe", get("/boot/ipxe"))
for i in range(n):
    for leaf in ("ipxe", "config"):
        put(f"/boot/machines/STORM-{i:05d}/{leaf}", get(f"/boot/machines/STORM-{i:05d}/{leaf}"))
EOP
cat >"$W/nginx.conf" <<EON
worker_processes 2; daemon off; pid $W/nginx.pid; error_log $W/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  server { listen 10.0.0.21:10080; root $W/www; default_type application/octet-stream; } }
EON
ip netns exec "$P-ref" nginx -c "$W/nginx.conf" & PIDS+=($!)
start_dnsmasq() {  # a fresh dnsmasq with an empty lease file, like Kiban's emptied lease keys
  if [ -n "${DNSMASQ:-}" ]; then kill "$DNSMASQ"; wait "$DNSMASQ" 2>/dev/null || true; fi
  : >"$W/dnsmasq.leases"
  ip netns exec "$P-ref" dnsmasq --keep-in-foreground --port=0 --interface=eth0 --bind-interfaces --no-ping \
    --quiet-dhcp --dhcp-authoritative --dhcp-lease-max=100000 --dhcp-range=10.64.0.44,10.64.31.254,255.255.224.0,1h \
    --dhcp-boot=http://10.0.0.21:10080/boot/ipxe --dhcp-leasefile="$W/dnsmasq.leases" \
    --pid-file="$W/dnsmasq.pid" --log-facility="$W/dnsmasq.log" >>"$W/dnsmasq.out" 2>&1 &
  DNSMASQ=$!; PIDS+=($!)
  wait_for 60 ns ref sh -c 'ss -lun | grep -q ":67 "' || die "dnsmasq does not listen on port 67"
}
wait_for 60 ns rack curl -sf -o /dev/null http://10.0.0.21:10080/boot/ipxe || die "nginx does not answer"

# ---- the storm
member_leases() {  # member_leases COUNT [at-least]: every member's own state.db (read-only) holds COUNT lease keys
  python3 - "$W" "$1" "${2:-exactly}" <<'EOP'
import sqlite3, sys
w, want, at_least = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "at-least"
counts = []
for m in (1, 2, 3):
    db = sqlite3.connect(f"file:{w}/ks{m}/data/state.db?mode=ro", uri=True, timeout=10)
    counts.append(db.execute("SELECT count(*) FROM kv WHERE key >= CAST('dhcp/leases/' AS BLOB) "
                             "AND key < CAST('dhcp/leases0' AS BLOB)").fetchone()[0])
print("leases in each member's state.db:", " ".join(f"ks{m}={c}" for m, c in zip((1, 2, 3), counts)))
sys.exit(any(c < want if at_least else c != want for c in counts))
EOP
}
server_cpu() {  # CPU seconds used so far by every process in namespace $1
  local pid t=0
  for pid in $(ip netns pids "$P-$1"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0))); done
  echo "$t $(getconf CLK_TCK)" | awk '{printf "%.1f", $1 / $2}'
}
dhcp_phase() {  # dhcp_phase SYSTEM NS ROUND SERVERS...: perfdhcp avalanche through dhcrelay
  local sys=$1 sns=$2 round=$3; shift 3
  ip netns exec "$P-rtr" dhcrelay -4 -d -a -id br-rack -iu br-srv "$@" >"$W/relay-$sys.log" 2>&1 & local relay=$!
  PIDS+=($relay)
  wait_for 30 grep -q "Sending on" "$W/relay-$sys.log" || die "dhcrelay did not start"
  local c0 rc=0; c0=$(server_cpu "$sns")
  timeout -s INT -k 10 "$DHCP_SECONDS" ip netns exec "$P-rack" perfdhcp -4 -l eth0 -B -R "$N" \
      --scenario avalanche -u -b "mac=02:00:$(printf %02x "$round"):00:00:00" >"$W/perfdhcp-$sys-$round.out" 2>&1 || rc=$?
  awk -v a="$(server_cpu "$sns")" -v b="$c0" 'BEGIN {print a - b}' >"$W/dhcp-cpu-$sys-$round"
  kill "$relay"; wait "$relay" 2>/dev/null || true   # the next phase's relay is the only one
  [ $rc = 0 ] || [ $rc = 3 ] || [ $rc = 124 ] || [ $rc = 130 ] || { tail -5 "$W/perfdhcp-$sys-$round.out" >&2; die "perfdhcp exit $rc"; }
}
http_phase() {  # http_phase SYSTEM NS ROUND BASES
  local c0; c0=$(server_cpu "$2")
  ns rack python3 "$HERE/boot-storm.py" "$4" "$N" "$C" --kernel-bytes $((KERNEL_MB << 20)) \
      --initrd-bytes $((INITRD_MB << 20)) --deadline "$HTTP_SECONDS" >"$W/http-$1-$3.json"
  awk -v a="$(server_cpu "$2")" -v b="$c0" 'BEGIN {print a - b}' >"$W/http-cpu-$1-$3"
}
echo "boot storm: $N machines, HTTP $C at a time, kernel $KERNEL_MB MiB + initrd $INITRD_MB MiB each;" \
     "$(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round: Kiban DHCP"; dhcp_phase kiban bs "$round" 10.0.0.11 10.0.0.12 10.0.0.13
  wait_for 60 member_leases "$N" at-least || log "WARNING: not every member holds all $N leases"
  member_leases "$N" at-least >"$W/replicated-$round" 2>&1 || true
  kcli 1 dhcp leases -o json | python3 -c 'import json,sys; l=json.load(sys.stdin); print("the leader lists", len(l), "leases on", len({x["address"] for x in l}), "addresses")' >>"$W/replicated-$round"
  for m in 1 2 3; do kcli "$m" dhcp status -o json; echo; done | python3 -c '
import json, sys
t = {}
for line in filter(str.strip, sys.stdin):
    s = json.loads(line)
    for k, v in [("received", s["received"]), ("committed", s["committed"])] + list(s["replied"].items()) + list(s["dropped"].items()):
        t[k] = t.get(k, 0) + v
print("DHCP counters of the three members since they started:", " ".join(f"{k}={v}" for k, v in sorted(t.items())))' >>"$W/replicated-$round"
  log "round $round: Kiban HTTP"; http_phase kiban bs "$round" http://10.0.0.11:10080,http://10.0.0.12:10080,http://10.0.0.13:10080
  # The next round starts with no lease, as dnsmasq does. The members restart because their
  # DHCP servers keep answering lost_race after their lease keys are deleted under them.
  kcli 1 kv del dhcp/leases/ --prefix >/dev/null || die "could not empty Kiban's leases"
  wait_for 60 member_leases 0 || die "a member still holds leases after kiban kv del"
  [ "$round" = "$ROUNDS" ] || { start_members; wait_for 120 ready || die "the restarted members do not serve"; }
  log "round $round: dnsmasq DHCP"; start_dnsmasq; dhcp_phase ref ref "$round" 10.0.0.21
  log "round $round: nginx HTTP"; http_phase ref ref "$round" http://10.0.0.21:10080
done
python3 "$HERE/boot-storm-table.py" "$W" "$N" "$ROUNDS" "$C"

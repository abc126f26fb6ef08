#!/usr/bin/env bash
# dhcp-bench-cluster.sh KIBAN_BIN WORKDIR IPAM_JSON LEASE_SECONDS -- the Kiban side of
# bench/bench-dhcp.sh: three real `kiban server` processes in the current (benchmark) network
# namespace, formed with init, token and join, the IPAM configuration and the DHCP settings set
# through the CLI. Member 1's DHCP server binds 198.18.0.1:67 (the address perfdhcp sends to);
# members 2 and 3 bind 127.0.0.2/.3, so every lease is replicated to three members but only one
# member answers. Peers talk over 127.0.0.11–.13. Once every member serves DHCP it touches
# WORKDIR/ready, then runs until SIGTERM, which appends member 1's DHCP counters and the
# namespace's UDP receive-buffer errors to WORKDIR.stats and stops the three members.
set -euo pipefail
KBIN=$1 W=$2 IPAM=$3 LEASE=$4
PIDS=()
stop() {
  local p i
  # Where drops came from: member 1's counters and the namespace's UDP receive-buffer errors.
  if [ -e "$W/ready" ]; then
    { printf '%s ' "$(date +%T)"; kcli 1 dhcp status -o json 2>/dev/null | tr -d '\n' || true
      printf ' %s\n' "$(awk '/^Udp:/ {getline; print "udp_in=" $2 " rcvbuf_errors=" $6 " sndbuf_errors=" $7}' /proc/net/snmp)"
    } >>"$W.stats" 2>/dev/null || true
  fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for ((i = 0; i < 40; i++)); do   # up to 4 s for a clean stop (the bench waits 5 s for this script)
    local alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  exit 0
}
trap stop TERM INT
fail() { echo "dhcp-bench-cluster: $*" >&2; tail -n 5 "$W"/ks*/server.log >&2 || true; stop; }
wait_for() {  # wait_for SECONDS COMMAND...: poll every 0.2 s until COMMAND succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" 2>/dev/null; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.2; done
}
kcli() { local m=$1; shift; "$KBIN" "$@" --socket "$W/ks$m/kiban.sock"; }

rm -rf "$W"; mkdir -p "$W"
ip link set lo up
for m in 1 2 3; do
  mkdir -p "$W/ks$m"; : >"$W/ks$m/kiban.yaml"
  dhcp=127.0.0.$m; [ "$m" = 1 ] && dhcp=198.18.0.1
  "$KBIN" server --config "$W/ks$m/kiban.yaml" --name "ks$m" --advertise-address "127.0.0.1$m" \
      --peer-port 10090 --data-dir "$W/ks$m/data" --socket "$W/ks$m/kiban.sock" \
      --dhcp-address "$dhcp" --dhcp-port 67 --http-port $((10080 + m)) --tftp-port $((10068 + m)) \
      >>"$W/ks$m/server.log" 2>&1 &
  PIDS+=($!)
done
for m in 1 2 3; do wait_for 60 test -S "$W/ks$m/kiban.sock" || fail "ks$m did not open its socket"; done
kcli 1 init >/dev/null || fail "kiban init"
for m in 2 3; do
  token=$(kcli 1 token create "ks$m") || fail "kiban token create"
  kcli "$m" join "$token" >/dev/null || fail "ks$m could not join"
done
voters() { [ "$(kcli 1 status -o json | python3 -c 'import json,sys; print(sum(m["role"] == "voter" for m in json.load(sys.stdin)["members"]))')" = 3 ]; }
wait_for 60 voters || fail "the three members are not all voters"
kcli 1 kv put inventory/ipam "$(cat "$IPAM")" >/dev/null || fail "kiban kv put inventory/ipam"
printf 'lease-seconds: %s\n' "$LEASE" >"$W/dhcp.yaml"
kcli 1 dhcp set "$W/dhcp.yaml" >/dev/null || fail "kiban dhcp set"
serving() { for m in 1 2 3; do kcli "$m" dhcp status -o json | grep -q '"serving":true' || return 1; done; }
wait_for 60 serving || fail "not every member serves DHCP"
touch "$W/ready"
while :; do sleep 1 & wait $!; done

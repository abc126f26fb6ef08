#!/usr/bin/env bash
# bench-boot.sh -- the HTTP half of a boot storm: N machines (default 1000) each fetch the iPXE
# entry script, their own script, the kernel and the initrd, C at a time (scripts/boot-storm.py),
# from a three-member Kiban cluster (`kiban dev`, machines spread over the members) and from
# nginx serving the same files pre-rendered, in the same run. Prints seconds until every machine
# had everything, and errors, for both.
# Usage: [N=1000] [C=64] [KERNEL_MB=8] [KIBAN=path] scripts/bench-boot.sh
set -euo pipefail
N=${N:-1000}; C=${C:-64}; KERNEL_MB=${KERNEL_MB:-8}
HERE=$(cd "$(dirname "$0")" && pwd)
KIBAN=${KIBAN:-$(cd "$HERE/.." && swift build -c release --show-bin-path)/kiban}
W=$(mktemp -d /tmp/kiban-bench-boot-XXXXXX); chmod 755 "$W"   # nginx workers read it
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
BASE=$((30000 + RANDOM % 2000 * 10))

"$KIBAN" dev --no-sample --base-port "$BASE" >"$W/dev.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 600); do grep -q "three members running" "$W/dev.log" && break; sleep 0.1; done
ROOT=$(sed -n 's/.*data under \([^)]*\)).*/\1/p' "$W/dev.log")
[ -n "$ROOT" ] || { cat "$W/dev.log"; echo "kiban dev did not start" >&2; exit 1; }
cli() { local i=$1; shift; "$KIBAN" "$@" --socket "$ROOT/dev-$i/kiban.sock"; }

head -c "${KERNEL_MB}M" /dev/urandom >"$W/kernel"; head -c 1M /dev/urandom >"$W/initrd"
ref() {
  local sha size i; sha=$(sha256sum "$1" | cut -c1-64); size=$(stat -c %s "$1")
  for i in 1 2 3; do mkdir -p "$ROOT/dev-$i/data/blobs/sha256"; cp "$1" "$ROOT/dev-$i/data/blobs/sha256/$sha"; done
  echo "{\"sha256\":\"$sha\",\"size\":$size}"
}
cli 1 kv put netboot/images/bench "{\"id\":\"bench\",\"kernel\":$(ref "$W/kernel"),\"initrd\":$(ref "$W/initrd"),\"uploaded\":0}" >/dev/null
cli 1 kernel-params set worker "console=ttyS0" >/dev/null
export KIBAN ROOT
seq 0 $((N - 1)) | xargs -P 16 -I@ sh -c '
  s=$(printf "BENCH-%05d" @); r=$((@ / 40)); x=$((@ % 40 + 1))
  "$KIBAN" kv put "inventory/machines/$s" "{\"registration\":{\"serial\":\"$s\",\"labels\":{},\"rack\":$r,\"role\":\"worker\",\"bmc\":{\"type\":\"IPMI-2.0\"}},\"indexInRack\":$x,\"ipv4\":[\"10.69.$r.$x\"],\"bmcIPv4\":\"10.72.$r.$x\",\"registerDate\":\"2026-11-26T00:00:00Z\",\"state\":\"healthy\",\"stateTimestamp\":\"2026-11-26T00:00:00Z\"}" --socket "$ROOT/dev-$((@ % 3 + 1))/kiban.sock" >/dev/null'
last=$(printf "BENCH-%05d" $((N - 1)))
for i in 1 2 3; do
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$((BASE + 20 + i))/boot/machines/$last/ipxe" | grep "^kernel" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$((BASE + 20 + i))/boot/machines/$last/ipxe" | grep "^kernel" >/dev/null || { echo "member $i does not serve $last" >&2; exit 1; }
done

# nginx over the same bytes, every script rendered ahead of time
NPORT=$((BASE + 40)); mkdir -p "$W/www/boot/machines" "$W/www/boot/images/bench"
cp "$W/kernel" "$W/initrd" "$W/www/boot/images/bench/"
printf '#!ipxe\nchain http://127.0.0.1:%s/boot/machines/${serial:uristring}/ipxe\n' "$NPORT" >"$W/www/boot/ipxe"
for ((i = 0; i < N; i++)); do
  s=$(printf "BENCH-%05d" $i); mkdir -p "$W/www/boot/machines/$s"
  printf '#!ipxe\nkernel http://127.0.0.1:%s/boot/images/bench/kernel console=ttyS0\ninitrd http://127.0.0.1:%s/boot/images/bench/initrd\nboot\n' "$NPORT" "$NPORT" >"$W/www/boot/machines/$s/ipxe"
done
cat >"$W/nginx.conf" <<EON
worker_processes 2; daemon off; pid $W/nginx.pid; error_log $W/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  server { listen 127.0.0.1:$NPORT; root $W/www; default_type application/octet-stream; } }
EON
nginx -c "$W/nginx.conf" & PIDS+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$NPORT/boot/ipxe" && break; sleep 0.1; done

kb="http://127.0.0.1:$((BASE + 21)),http://127.0.0.1:$((BASE + 22)),http://127.0.0.1:$((BASE + 23))"
echo "boot storm: $N machines, $C at a time, kernel ${KERNEL_MB} MiB + initrd 1 MiB each ($(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg))"
for round in 1 2; do
  k=$(python3 "$HERE/boot-storm.py" "$kb" "$N" "$C"); n=$(python3 "$HERE/boot-storm.py" "http://127.0.0.1:$NPORT" "$N" "$C")
  echo "round $round  kiban (3 members): $k"
  echo "round $round  nginx (1 server):  $n"
done

#!/usr/bin/env bash
# Captures DHCP packets from real clients (ISC dhclient, busybox udhcpc, dhcpcd) talking to
# dnsmasq through isc-dhcp-relay (option 82 on), in network namespaces on this machine, and
# writes each distinct message as a test vector for the DHCP codec:
#   Tests/KibanNetbootTests/vectors/<client>-<where>-<type>.hex
# Run as root. Needs: dnsmasq-base isc-dhcp-relay isc-dhcp-client busybox dhcpcd-base tcpdump.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/Tests/KibanNetbootTests/vectors
HX_PREFIX=kv RUN=/tmp/kiban-dhcp-vectors
. "$ROOT/integration/harness/lib-topo.sh"

topo_up
add_node n1 1 n1e0
start_dnsmasq 1
bg "$RUN/td-rack.log" rtr tcpdump -i br-r1 -n -U -w "$RUN/rack.pcap" udp port 67 or udp port 68
bg "$RUN/td-srv.log" bs1 tcpdump -i eth0 -n -U -w "$RUN/relayed.pcap" udp port 67 or udp port 68
start_relay

hook=$RUN/hook.sh
printf '#!/bin/sh\nexit 0\n' > "$hook"; chmod +x "$hook"
ns n1 timeout 30 dhclient -4 -1 -sf "$hook" -lf "$RUN/l" -pf "$RUN/p" n1e0 >/dev/null 2>&1 || true
ns n1 dhclient -r -sf "$hook" -lf "$RUN/l" -pf "$RUN/p" n1e0 >/dev/null 2>&1 || true
ns n1 timeout 30 busybox udhcpc -i n1e0 -f -q -R -n -t 5 -T 2 -s "$hook" >/dev/null 2>&1 || true
ns n1 unshare -m sh -c "mkdir -p /run/dhcpcd /var/lib/dhcpcd; mount -t tmpfs none /run/dhcpcd; mount -t tmpfs none /var/lib/dhcpcd
  timeout 40 dhcpcd -4 -1 -B -w -t 30 -f /dev/null -c '$hook' --noipv4ll n1e0" >/dev/null 2>&1 || true
sleep 1
for pid in "${PIDS[@]:0:3}"; do kill "$pid" 2>/dev/null || true; done
sleep 0.5

rm -f "$OUT"/*.hex
python3 "$ROOT/scripts/pcap-to-vectors.py" "$RUN/rack.pcap" rack "$OUT"
python3 "$ROOT/scripts/pcap-to-vectors.py" "$RUN/relayed.pcap" relayed "$OUT"
ls "$OUT"

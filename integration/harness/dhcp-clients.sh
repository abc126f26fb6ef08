#!/bin/bash
# dhcp-clients.sh -- dhclient, busybox udhcpc and dhcpcd get a lease through isc-dhcp-relay
# (option 82) from three Kiban DHCP servers sharing one 3-member store, each from its rack's
# IPAM lease range; each renews (20 s leases: T1 after 10 s), then releases. At the end the
# store holds no address leased to two MACs and every member lists the same leases.
# Needs root, isc-dhcp-client, busybox, dhcpcd-base, isc-dhcp-relay, iproute2.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-topo.sh"
# KIBAN_BIN set: three real `kiban server` processes; else kiban-dhcp-harness (one process).
if [ -n "${KIBAN_BIN:-}" ]; then . "$HERE/lib-kiban-daemon.sh"; else . "$HERE/lib-kiban.sh"; fi
FAIL=0
fail() { log "FAIL $*"; FAIL=1; }

topo_up
add_node n1 1 n1e0; add_node n2 2 n2e0; add_node n3 1 n3e0
start_kiban 20
# What the boot servers see and send on the wire: relayed requests must carry option 82 and
# the replies to the relay must echo it.
ip netns exec "$P-bs" tcpdump -i eth0 -n -vv -U -l 'udp port 67' >"$RUN/bs-wire.txt" 2>"$RUN/tcpdump.err" &
PIDS+=($!)
wait_for 10 grep -q "listening on" "$RUN/tcpdump.err"
start_relay
log "topology up; relay and three servers running"

cat >"$RUN/dhclient.sh" <<EOS
#!/bin/sh
echo "dhclient \$reason ip=\$new_ip_address server=\$new_dhcp_server_identifier" >>"$RUN/clients.log"
case \$reason in
  BOUND|RENEW|REBIND|REBOOT) ip addr replace \$new_ip_address/\$new_subnet_mask dev \$interface
                             ip route replace default via \$new_routers ;;
  EXPIRE|FAIL|RELEASE|STOP)  ip -4 addr flush dev \$interface ;;
esac
exit 0
EOS
cat >"$RUN/udhcpc.sh" <<EOS
#!/bin/sh
echo "udhcpc \$1 ip=\$ip server=\$serverid" >>"$RUN/clients.log"
case \$1 in
  bound|renew) ip addr replace \$ip/\$subnet dev \$interface; ip route replace default via \$router ;;
  deconfig)    ip -4 addr flush dev \$interface ;;
esac
exit 0
EOS
cat >"$RUN/dhcpcd.sh" <<EOS
#!/bin/sh
echo "dhcpcd \$reason ip=\$new_ip_address server=\$new_dhcp_server_identifier" >>"$RUN/clients.log"
exit 0
EOS
chmod +x "$RUN"/*.sh; : >"$RUN/clients.log"

# All three clients run at once, in the foreground (in the background of this script).
"${UNMASKED[@]}" ip netns exec "$P-n1" dhclient -4 -d -v -sf "$RUN/dhclient.sh" -lf "$RUN/n1.leases" -pf "$RUN/n1.pid" n1e0 \
   >"$RUN/dhclient.out" 2>&1 &
DHCLIENT=$!; PIDS+=($DHCLIENT)
"${UNMASKED[@]}" ip netns exec "$P-n2" busybox udhcpc -i n2e0 -f -R -t 10 -T 2 -s "$RUN/udhcpc.sh" >"$RUN/udhcpc.out" 2>&1 &
UDHCPC=$!; PIDS+=($UDHCPC)
# dhcpcd 9 (privsep) with a private tmpfs for its /run and /var/lib state.
"${UNMASKED[@]}" ip netns exec "$P-n3" unshare -m sh -c "mkdir -p /run/dhcpcd /var/lib/dhcpcd; mount -t tmpfs none /run/dhcpcd
  mount -t tmpfs none /var/lib/dhcpcd
  exec dhcpcd -4 -B -f /dev/null -c '$RUN/dhcpcd.sh' --noipv4ll -t 60 n3e0" >"$RUN/dhcpcd.out" 2>&1 &
DHCPCD=$!; PIDS+=($DHCPCD)

in_range() {  # in_range ADDRESS FIRST LAST
  local a; a=$(ip2int "$1"); [ "$a" -ge "$(ip2int "$2")" ] && [ "$a" -le "$(ip2int "$3")" ]
}
rack_range() { kiban pool "$1"; expect pool; set -- $LINE; echo "$2 $3"; }
R1=$(rack_range 198.18.1.1); R2=$(rack_range 198.18.2.1)
log "IPAM lease ranges: rack 1 $R1, rack 2 $R2"

check_bound() {  # check_bound CLIENT REASON RANGE
  if ! wait_for 40 grep -q "^$1 $2 " "$RUN/clients.log"; then fail "$1 got no lease"; return; fi
  local ip; ip=$(grep -m1 "^$1 $2 " "$RUN/clients.log" | sed 's/.*ip=\([^ ]*\).*/\1/')
  # shellcheck disable=SC2086
  if in_range "$ip" $3; then log "OK   $1 bound $ip (range $3)"; else fail "$1 bound $ip outside $3"; fi
}
check_bound dhclient BOUND "$R1"
check_bound udhcpc bound "$R2"
check_bound dhcpcd BOUND "$R1"

# Renewal: T1 is half the 20 s lease; each client unicasts a REQUEST to its server.
for c in "dhclient RENEW" "udhcpc renew" "dhcpcd RENEW"; do
  set -- $c
  if wait_for 30 grep -q "^$1 $2 " "$RUN/clients.log"; then log "OK   $1 renewed"; else fail "$1 did not renew"; fi
done

mac() { ip -n "$P-$1" link show "$2" | awk '/link\/ether/ {print $2}'; }
MACS="$(mac n1 n1e0) $(mac n2 n2e0) $(mac n3 n3e0)"
leases; log "store after renewals: $LINE"
for m in $MACS; do grep -q " $m bound " "$RUN/leases.txt" || fail "no bound lease for $m in the store"; done

# Release: dhclient -r, udhcpc -R on SIGTERM, dhcpcd on SIGALRM.
ns n1 dhclient -r -sf "$RUN/dhclient.sh" -lf "$RUN/n1.leases" -pf "$RUN/n1.pid" n1e0 >/dev/null 2>&1 || true
kill -TERM "$UDHCPC" 2>/dev/null || true
kill -ALRM "$DHCPCD" 2>/dev/null || true
released() { leases >/dev/null; for m in $MACS; do ! grep -q " $m bound " "$RUN/leases.txt" || return 1; done; }
if wait_for 20 released; then log "OK   all three leases released"; else fail "leases still bound: $(grep bound "$RUN/leases.txt" | tr '\n' ';')"; fi

check_no_duplicates || FAIL=1
# Option 82 both ways: in the relayed requests (to .1x.67) and in the replies (to the relay).
if awk '/ > / {dir = ($0 ~ / > 198\.18\.0\.1[123]\.67:/) ? "in" : "out"} /Agent-Information/ {seen[dir] = 1}
        END {exit !(seen["in"] && seen["out"])}' "$RUN/bs-wire.txt"; then
  log "OK   option 82 in relayed requests and echoed in the replies"
else fail "option 82 not seen both ways at the boot servers"; fi
kiban counters; expect counters && log "$LINE"
if [ $FAIL = 0 ]; then log "RESULT: dhclient, udhcpc and dhcpcd leased, renewed and released"
else
  log "RESULT: FAILURES"; echo "--- clients.log"; cat "$RUN/clients.log"
  echo "--- kiban.err"; tail -20 "$RUN/kiban.err"
fi
exit $FAIL

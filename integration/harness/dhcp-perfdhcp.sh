#!/bin/bash
# dhcp-perfdhcp.sh -- perfdhcp (Debian kea-admin) drives DORA exchanges for a bounded time
# through isc-dhcp-relay (option 82) into three Kiban DHCP servers sharing one 3-member store,
# with perfdhcp's own address-uniqueness check (-u). Then the store must hold no address leased
# to two MACs, every member listing the same leases. KILL_LEADER=1 stops the Raft leader's
# member (its store and its DHCP server) in the middle of the run: clients must still get leases.
# Needs root, kea-admin, isc-dhcp-relay, iproute2.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-topo.sh"
# KIBAN_BIN set: three real `kiban server` processes; else kiban-dhcp-harness (one process).
if [ -n "${KIBAN_BIN:-}" ]; then . "$HERE/lib-kiban-daemon.sh"; else . "$HERE/lib-kiban.sh"; fi
RATE=${RATE:-40}; SECS=${SECS:-8}; CLIENTS=${CLIENTS:-150}
FAIL=0

topo_up
add_node pf 3 pf0
ip -n "$P-pf" addr add 198.18.3.2/24 dev pf0   # perfdhcp sends from an address of its interface
start_kiban 600
start_relay
log "perfdhcp: $RATE exchanges/s, $CLIENTS clients, ${SECS}s, through the relay; kill leader: ${KILL_LEADER:-0}"

# The wire is the independent witness: every ACK perfdhcp receives, as tcpdump decodes it.
"${UNMASKED[@]}" ip netns exec "$P-pf" tcpdump -i pf0 -n -vv -U -l 'udp dst port 68' >"$RUN/acks.txt" 2>"$RUN/tcpdump.err" &
PIDS+=($!)
wait_for 10 grep -q "listening on" "$RUN/tcpdump.err"

# Bounded: -p SECS, and timeout as a backstop. Exit 3 means some exchanges were not completed.
timeout $((SECS + 30)) ip netns exec "$P-pf" perfdhcp -4 -l pf0 -B -r "$RATE" -R "$CLIENTS" -p "$SECS" \
    -W 2000000 >"$RUN/perfdhcp.out" 2>&1 &
PERF=$!
if [ "${KILL_LEADER:-0}" = 1 ]; then
  sleep $((SECS / 3))   # the storm is under way (perfdhcp has no event to wait for)
  kiban kill-leader; expect killed; log "stopped member: $LINE"
  [[ $LINE == "killed "[0-9]* ]] || { log "FAIL no leader to stop"; FAIL=1; }
fi
rc=0; wait "$PERF" || rc=$?
grep -E 'Statistics for|sent packets|received packets|drops ratio|collected packets|non unique' "$RUN/perfdhcp.out" || true
[ $rc = 0 ] || [ $rc = 3 ] || { log "FAIL perfdhcp exit $rc"; tail -20 "$RUN/perfdhcp.out"; FAIL=1; }
acks=$(awk '/Statistics for: REQUEST-ACK/ {s=1} s && /received packets/ {print $3; exit}' "$RUN/perfdhcp.out")
log "ACKs received by perfdhcp: ${acks:-0}"
sent=$(awk '/Statistics for: DISCOVER-OFFER/ {s=1} s && /sent packets/ {print $3; exit}' "$RUN/perfdhcp.out")
# Losing one boot server costs an election (a second or two) of retransmissions, not the run:
# at least half of the exchanges must complete (a count, not a timing).
[ "${acks:-0}" -gt 0 ] && [ $((2 * ${acks:-0})) -ge "${sent:-1}" ] \
  || { log "FAIL only ${acks:-0} of ${sent:-0} DORA exchanges completed"; FAIL=1; }
TCPDUMP=${PIDS[-1]}; kill "$TCPDUMP" 2>/dev/null || true   # -U -l: every packet is written already
wait_for 5 bash -c "! kill -0 $TCPDUMP"                       # (perfdhcp -W waited 2 s after the last)
# Leases last 600 s and perfdhcp releases nothing: an address ACKed to two MACs is a duplicate.
python3 - "$RUN/acks.txt" <<'EOP' || FAIL=1
import re, sys
text = open(sys.argv[1]).read()
holders, acks = {}, 0
for packet in re.split(r"\n(?=\d\d:\d\d:\d\d)", text):
    if not re.search(r"DHCP-Message.*: ACK", packet): continue
    ip = re.search(r"Your-IP (\S+)", packet); mac = re.search(r"Client-Ethernet-Address (\S+)", packet)
    if ip and mac: acks += 1; holders.setdefault(ip.group(1), set()).add(mac.group(1))
twice = {a: m for a, m in holders.items() if len(m) > 1}
print(f"[wire] {acks} ACKs seen, {len(holders)} addresses, {len(twice)} ACKed to two MACs {sorted(twice.items())[:5]}")
sys.exit(1 if twice or acks == 0 else 0)
EOP
check_no_duplicates || FAIL=1
kiban counters; expect counters && log "$LINE"
[ $FAIL = 0 ] && log "RESULT: no address leased twice" || log "RESULT: FAILURES"
exit $FAIL

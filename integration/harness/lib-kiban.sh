# lib-kiban.sh -- start kiban-dhcp-harness (three DHCP servers over a 3-member in-process store)
# in the boot-server namespace and talk to it over a coprocess. Sourced after lib-topo.sh.
BIN=${KIBAN_DHCP_HARNESS:?set KIBAN_DHCP_HARNESS to the kiban-dhcp-harness binary}

start_kiban() {  # start_kiban LEASE_SECONDS
  write_ipam
  coproc KIBAN { ip netns exec "$P-bs" "$BIN" --directory "$RUN/data" --ipam "$RUN/ipam.json" \
      --servers 198.18.0.11,198.18.0.12,198.18.0.13 --lease-seconds "$1" 2>"$RUN/kiban.err"; }
  PIDS+=("$KIBAN_PID")
  expect ready 60 || { log "FAIL kiban-dhcp-harness did not start"; cat "$RUN/kiban.err"; exit 1; }
}

expect() {  # expect PREFIX [SECONDS]: read the harness's output until a line starts with PREFIX
  local line
  while IFS= read -r -t "${2:-30}" line <&"${KIBAN[0]}"; do
    echo "$line" >>"$RUN/kiban.out"; LINE=$line
    [[ $line == "$1"* ]] && return 0
  done
  return 1
}

kiban() { echo "$*" >&"${KIBAN[1]}"; }   # send one command

leases() {  # leases: list leases into $RUN/leases.txt; LINE is the summary
  : >"$RUN/leases.txt"
  kiban leases
  local line
  while IFS= read -r -t 30 line <&"${KIBAN[0]}"; do
    echo "$line" >>"$RUN/leases.txt"; LINE=$line
    [[ $line == end* ]] && return 0
  done
  return 1
}

check_no_duplicates() {  # the store holds no address leased to two MACs; every member agrees
  leases || { log "FAIL no lease listing"; return 1; }
  log "store: $LINE"
  [[ $LINE == *" duplicates=0 "* && $LINE == *" agree=yes" ]] || { log "FAIL $LINE"; return 1; }
}

# lib-kiban-daemon.sh -- the same commands as lib-kiban.sh (start_kiban, kiban, expect, leases,
# check_no_duplicates), served by three real `kiban server` processes in the boot-server
# namespace instead of kiban-dhcp-harness: members ks1..ks3 on 198.18.0.11–.13, each with its
# DHCP server bound to its own address on port 67, formed with init, token and join, the IPAM
# configuration and the DHCP settings set through the CLI. Sourced after lib-topo.sh.
KBIN=${KIBAN_BIN:?set KIBAN_BIN to the kiban binary}
declare -A KPID=()

kcli() { local m=$1; shift; "$KBIN" "$@" --socket "$RUN/ks$m/kiban.sock"; }   # kcli MEMBER ARGS...

start_member() {  # start_member N: ks N on 198.18.0.1N (peer 10090, DHCP 67) in the boot-server namespace
  mkdir -p "$RUN/ks$1"; : >"$RUN/ks$1/kiban.yaml"
  "${UNMASKED[@]}" ip netns exec "$P-bs" "$KBIN" server --config "$RUN/ks$1/kiban.yaml" \
      --name "ks$1" --advertise-address "198.18.0.1$1" --peer-port 10090 --data-dir "$RUN/ks$1/data" \
      --socket "$RUN/ks$1/kiban.sock" --dhcp-address "198.18.0.1$1" --dhcp-port 67 --http-port 10080 --metrics-address "198.18.0.1$1" \
      >>"$RUN/ks$1/server.log" 2>&1 &
  KPID[$1]=$!; PIDS+=($!)
  wait_for 30 test -S "$RUN/ks$1/kiban.sock" || { log "FAIL ks$1 did not open its socket"; tail -20 "$RUN/ks$1/server.log"; exit 1; }
}

live_members() { local m; for m in 1 2 3; do kill -0 "${KPID[$m]:-0}" 2>/dev/null && echo "$m"; done; }
any_member() { live_members | head -1; }

start_kiban() {  # start_kiban LEASE_SECONDS
  write_ipam
  local m token
  for m in 1 2 3; do start_member "$m"; done
  kcli 1 init >/dev/null || { log "FAIL kiban init"; exit 1; }
  for m in 2 3; do
    token=$(kcli 1 token create "ks$m")
    kcli "$m" join "$token" >/dev/null || { log "FAIL ks$m could not join"; exit 1; }
  done
  voters() { [ "$(kcli 1 status --local -o json | python3 -c 'import json,sys; print(sum(m["role"] == "voter" for m in json.load(sys.stdin)["members"]))')" = 3 ]; }
  wait_for 60 voters || { log "FAIL the three members are not all voters"; exit 1; }
  kcli 1 kv put inventory/ipam "$(cat "$RUN/ipam.json")" >/dev/null
  printf 'lease-seconds: %s\n' "$1" >"$RUN/dhcp.yaml"
  kcli 1 dhcp set "$RUN/dhcp.yaml" >/dev/null || { log "FAIL kiban dhcp set"; exit 1; }
  serving() { for m in 1 2 3; do kcli "$m" dhcp status -o json | grep -q '"serving":true' || return 1; done; }
  wait_for 60 serving || { log "FAIL not every member serves DHCP"; tail -5 "$RUN"/ks*/server.log; exit 1; }
}

kiban() {  # the harness's commands: leader | kill-leader | pool A.B.C.D | counters | leases
  local m name
  case $1 in
    leader) LINE="leader $(kcli "$(any_member)" status --local -o json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("leader") or "none")')" ;;
    kill-leader)
      kiban leader; name=${LINE#leader }; LINE="killed none"
      for m in 1 2 3; do
        if [ "ks$m" = "$name" ] && kill -0 "${KPID[$m]}" 2>/dev/null; then
          kill -9 "${KPID[$m]}"; wait "${KPID[$m]}" 2>/dev/null || true; LINE="killed $m"
        fi
      done ;;
    pool)  # the rack's IPAM lease range (28 static nodes after index offset 3: .32 to .254)
      local IFS=.; set -- $2; LINE="pool $1.$2.$3.32 $1.$2.$3.254" ;;
    counters)
      LINE="counters $(for m in $(live_members); do kcli "$m" dhcp status -o json; echo; done | python3 -c '
import json, sys
t = {}
for line in sys.stdin:
    if not line.strip(): continue
    s = json.loads(line)
    for k in ("received", "committed"): t[k] = t.get(k, 0) + s[k]
    for k, v in list(s["replied"].items()) + list(s["dropped"].items()): t[k] = t.get(k, 0) + v
print(" ".join(f"{k}={v}" for k, v in sorted(t.items())))')" ;;
    *) LINE="error unknown command $1" ;;
  esac
}

expect() { [[ $LINE == "$1"* ]]; }   # the last command's answer starts with PREFIX

leases() {  # leases: list leases into $RUN/leases.txt; LINE is the summary
  local m first=""
  : >"$RUN/leases.txt"
  for m in $(live_members); do
    kcli "$m" dhcp leases -o json >"$RUN/leases-$m.json" 2>>"$RUN/leases.err" || return 1
    [ -n "$first" ] || first=$m
  done
  LINE=$(python3 - "$RUN" "$first" $(live_members) <<'EOP'
import json, sys
run, first, members = sys.argv[1], sys.argv[2], sys.argv[3:]
lists = {m: json.load(open(f"{run}/leases-{m}.json")) for m in members}
leases = lists[first]
holders, bound = {}, {}
with open(f"{run}/leases.txt", "w") as out:
    for l in leases:
        out.write(f"lease {l['address']} {l['mac']} {l['state']} {l['expiresIn']}\n")
        holders.setdefault(l["address"], set()).add(l["mac"])
        if l["state"] == "bound": bound[l["mac"]] = bound.get(l["mac"], 0) + 1
dup = sum(len(v) > 1 for v in holders.values())
multi = sum(v > 1 for v in bound.values())
key = lambda ls: sorted((l["address"], l["mac"], l["state"] if l["state"] != "expired" else "bound") for l in ls)
agree = all(key(ls) == key(leases) for ls in lists.values())
print(f"end count={len(leases)} duplicates={dup} multi={multi} agree={'yes' if agree else 'no'}")
EOP
)
}

check_no_duplicates() {  # no address leased to two MACs; every live member lists the same leases
  leases || { log "FAIL no lease listing"; return 1; }
  log "store: $LINE"
  [[ $LINE == *" duplicates=0 "* && $LINE == *" agree=yes" ]] || { log "FAIL $LINE"; return 1; }
}

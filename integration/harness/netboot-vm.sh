#!/bin/bash
# netboot-vm.sh -- a real QEMU VM (TCG, Debian's ipxe-qemu ROM) in rack 1, behind a real relay
# (isc-dhcp-relay), netboots from a three-member Kiban cluster of `kiban server` processes, one
# per boot-server namespace:
#   iPXE ROM -> DHCP (the members' own DHCP servers; DHCP=dnsmasq: dnsmasq on each, through the relay)
#   -> http://<bs>:10080/boot/ipxe
#   -> /boot/machines/<SMBIOS serial>/ipxe -> kernel + initrd of the newest image
#   -> the initrd brings up its NIC, fetches its rendered configuration (kiban.config=…)
#   and prints it between markers on ttyS0.
# Then the member that served the first boot is killed (SIGKILL, with its DHCP server) and the
# same VM boots again from another member. With ovmf installed, a third boot is UEFI without the
# iPXE ROM: OVMF's own PXE (option 60 PXEClient:Arch:00007) fetches ipxe.efi over TFTP, then iPXE
# continues over HTTP.
# Also checks undionly.kpxe over TFTP and ipxe.efi over HTTP from every member, from the rack.
# Needs: root, qemu-system-x86 ipxe-qemu ipxe isc-dhcp-relay dnsmasq-base cpio curl tftp-hpa (ovmf), and a
# Debian linux-image and busybox-static (fetched once with apt-get download into $KIBAN_BOOT_CACHE).
# AGENT=1: one boot only, with an initrd that carries the kiban binary (agent_initrd): the machine
# takes its IPAM address, enrolls without an operator (`kiban agent join --boot`) and runs the agent;
# the run succeeds when `kiban machines get` shows it healthy and the audit log has the enrollment.
# KIBAN=path/to/kiban. Each wait is bounded; exits non-zero with the evidence on the first failure.
HERE=$(cd "$(dirname "$0")" && pwd)
HX_PREFIX=${HX_PREFIX:-kbt$$}
RUN=${RUN:-/tmp/kiban-netboot-vm-$$}
. "$HERE/lib-topo.sh"
KIBAN=${KIBAN:?set KIBAN to the kiban binary}
BOOT_SECONDS=${BOOT_SECONDS:-300}
DHCP=${DHCP:-kiban}          # kiban: the members' own DHCP servers; dnsmasq: one dnsmasq per member
SERIAL=KB-SN-0001; MAC=52:54:00:4b:01:01
fail() { log "FAIL $*"; for b in 1 2 3; do echo "--- bs$b log (tail)"; tail -n 15 "$RUN/bs$b/server.log" 2>/dev/null; done; exit 1; }

# ---- kernel and busybox (fetched once), the initrd that prints the machine's configuration
. "$HERE/lib-boot-initrd.sh"
boot_assets
AGENT=${AGENT:-0}
if [ "$AGENT" = 1 ]; then
  [ "$DHCP" = kiban ] || { echo "AGENT=1 needs DHCP=kiban (the IPAM gives the machine its address)"; exit 1; }
  agent_initrd "$RUN/initrd" "$RUN/initrd.img" "$KIBAN" || exit 1
  log "agent initrd: $((INITRD_BYTES / 1048576)) MiB compressed, $((INITRD_TREE_BYTES / 1048576)) MiB unpacked"
else
  config_initrd "$RUN/initrd" "$RUN/initrd.img"
fi

# ---- topology: router with relay, three boot-server namespaces, rack subnets
mkns rtr
ns rtr sysctl -qw net.ipv4.ip_forward=1
ip -n "$P-rtr" link add br-srv type bridge
ip -n "$P-rtr" addr add 198.18.0.1/24 dev br-srv
ip -n "$P-rtr" link set br-srv up
for b in 1 2 3; do
  mkns "bs$b"
  ip -n "$P-bs$b" link add eth0 type veth peer name "srv-bs$b" netns "$P-rtr"
  ip -n "$P-rtr" link set "srv-bs$b" master br-srv up
  ip -n "$P-bs$b" addr add "198.18.0.1$b/24" dev eth0
  ip -n "$P-bs$b" link set eth0 up
  ip -n "$P-bs$b" route add default via 198.18.0.1
done
for r in 1 2 3; do
  ip -n "$P-rtr" link add "br-r$r" type bridge
  ip -n "$P-rtr" addr add "198.18.$r.1/24" dev "br-r$r"
  ip -n "$P-rtr" link set "br-r$r" up
done
start_relay

# ---- the cluster: one `kiban server` per boot-server namespace
cli() { local b=$1; shift; "$KIBAN" "$@" --socket "$RUN/bs$b/kiban.sock"; }
start_member() {
  local b=$1; mkdir -p "$RUN/bs$b"; echo "# flags only" >"$RUN/bs$b/kiban.yaml"
  ns "bs$b" "${UNMASKED[@]}" "$KIBAN" server --config "$RUN/bs$b/kiban.yaml" --name "bs$b" \
     --advertise-address "198.18.0.1$b" --peer-port 10090 --data-dir "$RUN/bs$b/data" \
     --socket "$RUN/bs$b/kiban.sock" --http-port 10080 --tftp-port 69 \
     $([ "$DHCP" = kiban ] && echo "--dhcp-address 198.18.0.1$b --dhcp-port 67") >"$RUN/bs$b/server.log" 2>&1 &
  PIDS+=($!)
  wait_for 60 test -S "$RUN/bs$b/kiban.sock" || fail "bs$b did not open its socket"
}
for b in 1 2 3; do start_member $b; done
cli 1 init >/dev/null || fail "init"
for b in 2 3; do
  token=$(cli 1 token create "bs$b" --ttl 10m) || fail "token for bs$b"
  cli "$b" join "$token" >/dev/null || fail "bs$b could not join"
done
voters() { cli 1 status --local -o json | python3 -c 'import json,sys; print(sum(m["role"]=="voter" for m in json.load(sys.stdin)["members"]))'; }
three_voters() { [ "$(voters)" = 3 ]; }
wait_for 60 three_voters || fail "three voters"
log "cluster of 3 formed (DHCP: $DHCP)"

# ---- the image (blobs placed on every member, until `kiban images upload`), machine, params, template
blob() {  # blob FILE -> {"sha256":…,"size":…}, copied into every member's blob directory
  local sha size b; sha=$(sha256sum "$1" | cut -c1-64); size=$(stat -c %s "$1")
  for b in 1 2 3; do mkdir -p "$RUN/bs$b/data/blobs/sha256"; cp "$1" "$RUN/bs$b/data/blobs/sha256/$sha"; done
  for b in 1 2 3; do cli 2 kv put "netboot/presence/$sha/bs$b" "{\"member\":\"bs$b\",\"http\":\"http://198.18.0.1$b:10080\"}" >/dev/null; done
  echo "{\"sha256\":\"$sha\",\"size\":$size}"
}
K=$(blob "$KERNEL"); R=$(blob "$RUN/initrd.img")
cli 2 kv put netboot/images/debian-test "{\"id\":\"debian-test\",\"kernel\":$K,\"initrd\":$R,\"uploaded\":0}" >/dev/null || fail "image record"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cli 3 kv put "inventory/machines/$SERIAL" "{\"registration\":{\"serial\":\"$SERIAL\",\"labels\":{\"zone\":\"z1\"},\"rack\":1,\"role\":\"worker\",\"bmc\":{\"type\":\"IPMI-2.0\"}},\"indexInRack\":4,\"ipv4\":[\"198.18.1.4\"],\"bmcIPv4\":\"198.19.1.4\",\"registerDate\":\"$now\",\"state\":\"$([ "$AGENT" = 1 ] && echo uninitialized || echo healthy)\",\"stateTimestamp\":\"$now\"}" >/dev/null || fail "machine record"
cli 1 kernel-params set worker "console=ttyS0 panic=-1 quiet" >/dev/null || fail "kernel-params set"
printf 'serial={{serial}} rack={{rack}} index={{index}} role={{role}} address={{address}} zone={{labels.zone}}\nboot-server={{boot_server}}\naddress={{address}}\ngateway={{gateway}}\n' >"$RUN/worker.tmpl"
cli 1 templates set worker v1 "$RUN/worker.tmpl" >/dev/null || fail "templates set"
for b in 1 2 3; do
  wait_for 60 sh -c "ip netns exec $P-bs$b curl -sf http://198.18.0.1$b:10080/boot/machines/$SERIAL/ipxe | grep -q debian-test" \
    || fail "bs$b does not serve the boot script"
done

# ---- DHCP: each member (or a dnsmasq beside it) hands iPXE its own member's entry script
start_dhcp() {
  local b=$1 lo=$((100 + (b - 1) * 30)) hi=$((129 + (b - 1) * 30))
  ns "bs$b" dnsmasq -k --conf-file=/dev/null --port=0 --user=root --pid-file="$RUN/dnsmasq-bs$b.pid" \
     --dhcp-leasefile="$RUN/bs$b.leases" --log-dhcp --log-facility=- --no-ping \
     --dhcp-range="198.18.1.$lo,198.18.1.$hi,255.255.255.0,10m" --dhcp-option=encap:175,176,1b \
     --dhcp-match=set:ipxe,175 --dhcp-boot=tag:ipxe,http://198.18.0.1$b:10080/boot/ipxe \
     --dhcp-match=set:efi64,option:client-arch,7 --dhcp-boot=tag:efi64,tag:!ipxe,ipxe.efi,,198.18.0.1$b \
     >"$RUN/dnsmasq-bs$b.log" 2>&1 &
  PIDS+=($!)
}
if [ "$DHCP" = kiban ]; then
  # sabakan-style IPAM: /24 racks in 198.18.0.0/16 (rack 1 index 4 is 198.18.1.4), leases .32-.254
  cli 1 kv put inventory/ipam '{"max-nodes-in-rack": 28, "node-ipv4-pool": "198.18.0.0/16", "node-ipv4-range-size": 8,
    "node-ipv4-range-mask": 24, "node-ip-per-node": 1, "node-index-offset": 3, "node-gateway-offset": 1,
    "bmc-ipv4-pool": "198.19.0.0/16", "bmc-ipv4-range-size": 8, "bmc-ipv4-range-mask": 24, "bmc-ipv4-gateway-offset": 1}' >/dev/null \
    || fail "IPAM"
  printf 'lease-seconds: 600\n' >"$RUN/dhcp.yaml"
  cli 1 dhcp set "$RUN/dhcp.yaml" >/dev/null || fail "kiban dhcp set"
  serving() { local b; for b in 1 2 3; do cli "$b" dhcp status -o json | grep -q '"serving":true' || return 1; done; }
  wait_for 60 serving || fail "not every member serves DHCP"
else
  for b in 1 2 3; do start_dhcp $b; done
fi
# iPXE waits ~14 s for IPv6 autoconfiguration unless a router advertises
ip -n "$P-rtr" -6 addr add fd00:198:18:1::1/64 dev br-r1 nodad
ns rtr dnsmasq -k --conf-file=/dev/null --port=0 --user=root --pid-file="$RUN/radv.pid" --log-facility=- \
   --enable-ra --interface=br-r1 --dhcp-range=::,constructor:br-r1,ra-stateless,64 >"$RUN/radv.log" 2>&1 &
PIDS+=($!)
add_node q1 1 q1up
ip -n "$P-q1" link add br0 type bridge
ip -n "$P-q1" link set q1up master br0
ip -n "$P-q1" tuntap add dev tap0 mode tap
ip -n "$P-q1" link set tap0 master br0; ip -n "$P-q1" link set tap0 up
ip -n "$P-q1" link set br0 up

# ---- the files legacy PXE and UEFI HTTP boot firmware fetch, from the rack through the router
ip -n "$P-q1" addr add 198.18.1.250/24 dev br0
ip -n "$P-q1" route add default via 198.18.1.1
for b in 1 2 3; do
  if command -v tftp >/dev/null; then
    ns q1 timeout 60 tftp "198.18.0.1$b" -m binary -c get undionly.kpxe "$RUN/undionly-bs$b.kpxe" || fail "TFTP undionly.kpxe from bs$b"
    cmp -s "$RUN/undionly-bs$b.kpxe" /usr/lib/ipxe/undionly.kpxe || fail "TFTP undionly.kpxe from bs$b differs from /usr/lib/ipxe"
  fi
  ns q1 curl -sf --max-time 60 -o "$RUN/ipxe-bs$b.efi" "http://198.18.0.1$b:10080/boot/ipxe.efi" || fail "HTTP ipxe.efi from bs$b"
  cmp -s "$RUN/ipxe-bs$b.efi" /usr/lib/ipxe/ipxe.efi || fail "HTTP ipxe.efi from bs$b differs from /usr/lib/ipxe"
done
ip -n "$P-q1" addr flush dev br0
log "undionly.kpxe over TFTP and ipxe.efi over HTTP from every member match /usr/lib/ipxe"

boot_vm() {  # boot_vm NAME [QEMU ARGS…]: boots the VM, waits for the configuration on its console
  local name=$1 console="$RUN/serial-$1.log" t0; shift; t0=$(date +%s%N)
  ns q1 qemu-system-x86_64 -accel tcg -machine pc -m 512 -smp 1 -display none -monitor none -no-reboot "$@" \
     -boot n -serial "file:$console" -smbios "type=1,manufacturer=Kiban,product=TestNode,serial=$SERIAL" \
     -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device "virtio-net-pci,netdev=n0,mac=$MAC${NIC_OPTIONS:-}" \
     >"$RUN/qemu-$name.log" 2>&1 &
  local q=$!; PIDS+=($q)
  local i
  for ((i = 0; i < BOOT_SECONDS * 5; i++)); do
    grep -qa KIBAN-CONFIG-END "$console" 2>/dev/null && break
    kill -0 $q 2>/dev/null || break
    sleep 0.2
  done
  kill $q 2>/dev/null || true; wait $q 2>/dev/null || true
  BOOT_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "--- $name: console"; grep -a KIBAN-INITRD "$console"; sed -n '/KIBAN-CONFIG-BEGIN/,/KIBAN-CONFIG-END/p' "$console"
  grep -qa "KIBAN-CONFIG-BEGIN" "$console" || { tail -c 3000 "$console"; fail "$name: no configuration on the console after ${BOOT_MS} ms"; }
  sed -n '/KIBAN-CONFIG-BEGIN/,/KIBAN-CONFIG-END/p' "$console" | grep -qa "serial=$SERIAL rack=1 index=4 role=worker address=198.18.1.4 zone=z1" \
    || fail "$name: the configuration on the console is not the machine's"
  SERVED_BY=$(sed -n 's/^boot-server=http:\/\/198\.18\.0\.1\([0-9]\):10080.*/\1/p' "$console" | tr -d '\r' | head -1)
  [ -n "$SERVED_BY" ] || fail "$name: no boot-server line"
  log "$name: booted in $BOOT_MS ms from bs$SERVED_BY"
}

agent_boot() {  # one boot whose initrd enrolls and runs the agent: wait until the machine is healthy
  local console="$RUN/serial-agent.log" t0 q i state=""; t0=$(date +%s%N)
  ns q1 qemu-system-x86_64 -accel tcg -machine pc -m 1024 -smp 1 -display none -monitor none -no-reboot \
     -boot n -serial "file:$console" -smbios "type=1,manufacturer=Kiban,product=TestNode,serial=$SERIAL" \
     -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device "virtio-net-pci,netdev=n0,mac=$MAC" >"$RUN/qemu-agent.log" 2>&1 &
  q=$!; PIDS+=($q)
  for ((i = 0; i < BOOT_SECONDS; i++)); do
    state=$(cli 1 machines get --serial "$SERIAL" -o json | python3 -c 'import json,sys; m=json.load(sys.stdin)[0]; print(m.get("status", m).get("state", ""))' 2>/dev/null || true)
    [ "$state" = healthy ] && break
    kill -0 $q 2>/dev/null || break
    sleep 1
  done
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "--- agent: console"; grep -a "KIBAN-\|enrolled\|boot token\|refused\|error" "$console" | head -40
  [ "$state" = healthy ] || { tail -c 3000 "$console"; fail "agent: $SERIAL is '$state', not healthy, after $ms ms"; }
  local audit; audit=$(cli 1 audit --action nodes -o json)
  echo "$audit" | grep -q '"nodes.boot-token"' || fail "agent: no nodes.boot-token audit entry"
  echo "$audit" | grep -q '"nodes.enroll"' || fail "agent: no nodes.enroll audit entry"
  echo "$audit" | grep -q '198.18.1.4' || fail "agent: the audit does not name the machine's address"
  kill $q 2>/dev/null || true; wait $q 2>/dev/null || true
  log "RESULT: the VM netbooted, enrolled from its initrd without an operator and turned healthy in $ms ms (initrd $((INITRD_BYTES / 1048576)) MiB)"
}
if [ "$AGENT" = 1 ]; then agent_boot; exit 0; fi

boot_vm first
first=$SERVED_BY
log "killing bs$first (kiban server and its DHCP server) before the second boot"
# Every process in that namespace (the kiban server and dnsmasq, started above), by pid: $! of a
# backgrounded function is its subshell, not the daemon.
for pid in $(ip netns pids "$P-bs$first"); do kill -9 "$pid" 2>/dev/null || true; done
gone() { [ -z "$(ip netns pids "$P-bs$first")" ]; }
wait_for 30 gone || fail "bs$first did not die"
boot_vm second
[ "$SERVED_BY" != "$first" ] || fail "the second boot was served by the killed member bs$first"
second=$SERVED_BY
# UEFI: without the iPXE option ROM (romfile=), OVMF's own virtio-net driver and PXE base code
# fetch ipxe.efi over Kiban's TFTP (PXE is first in OVMF's boot order; UEFI HTTP boot would only
# follow a failed PXE, which fails the test); that iPXE continues over HTTP and boots the
# kernel's EFI stub.
uefi="not run (no /usr/share/OVMF/OVMF_CODE.fd: apt install ovmf)"
if [ -r /usr/share/OVMF/OVMF_CODE.fd ]; then
  cp /usr/share/OVMF/OVMF_VARS.fd "$RUN/OVMF_VARS.fd"
  NIC_OPTIONS=",romfile=" boot_vm uefi -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd \
    -drive if=pflash,format=raw,file="$RUN/OVMF_VARS.fd"
  if grep -aq "NBP file downloaded successfully" "$RUN/serial-uefi.log"; then how="OVMF PXE, ipxe.efi over TFTP"
  else grep -a "PXE-E\|URI: " "$RUN/serial-uefi.log"; fail "uefi: OVMF's PXE did not download ipxe.efi over TFTP"; fi
  grep -aq "iPXE" "$RUN/serial-uefi.log" || fail "uefi: ipxe.efi did not start"
  uefi="OK from bs$SERVED_BY ($how, then iPXE over HTTP) in $BOOT_MS ms"
fi
log "RESULT: netboot OK: BIOS boot from bs$first, again from bs$second after bs$first was killed; UEFI $uefi"

#!/usr/bin/env bash
# docs/operator-guide.md, run as written: every block marked `# on …`, in order, on three Debian 12
# containers with systemd and the package installed (boot-1..3 at 10.0.0.11-13), a rack-1 router
# namespace (10.0.0.1 towards the servers, 10.69.0.193/26 on the rack) and a QEMU machine with
# iPXE firmware in rack 1. The guide's `<!-- test: … -->` comments are the operator's manual steps:
#   copy A:PATH B:PATH   a file from one server to another (scp)
#   wait WHERE CMD       until CMD succeeds on WHERE (bounded)
#   power-on SERIAL      the machine boots; its console must show its rendered configuration
#   replace NAME…        a freshly installed server in NAME's place (same name and address)
#   lose NAME…           those servers are gone
# Usage: integration/package/test-guide.sh out/kiban_<version>_amd64.deb    (root only)
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "test-guide: skipped: containers, network namespaces and QEMU need root (run make test as root)"
  exit 0
fi
DEB=$(realpath "${1:?usage: $0 out/kiban_VERSION_amd64.deb}")
HERE=$(cd "$(dirname "$0")" && pwd)
GUIDE=${GUIDE:-$HERE/../../docs/operator-guide.md}
for tool in qemu-system-x86_64 dhcrelay cpio; do
  command -v "$tool" >/dev/null || { echo "test-guide: $tool is missing: run scripts/install-deps.sh test" >&2; exit 1; }
done
. "$HERE/lib-containers.sh"
. "$HERE/../harness/lib-boot-initrd.sh"
SERVERS=(boot-1 boot-2 boot-3)
declare -A UP            # the servers that are running
MAC=52:54:00:4b:01:01

# ---- what the guide's machine boots: Debian's kernel and an initrd that prints its configuration
boot_assets
config_initrd "$RUN/initrd" "$RUN/initrd.img"
cp "$KERNEL" "$RUN/vmlinuz"
ROOT_EXTRA="curl ipxe"     # what a boot server has beside the package: curl, and the iPXE binaries it recommends
prepare_root

# ---- the network: a server LAN (bridge in $P-sw), the rack-1 router, rack 1 (bridge in $P-rack1)
ip netns add "$P-sw"; ip -n "$P-sw" link add br0 type bridge; ip -n "$P-sw" link set br0 up
plug() {  # plug NETNS IFNAME SWITCH-NETNS PORT ADDRESS [GATEWAY]
  ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
  ip -n "$3" link set "$4" master br0 up
  ip -n "$1" addr add "$5" dev "$2"; ip -n "$1" link set "$2" up
  [ -z "${6:-}" ] || ip -n "$1" route add default via "$6"
}
for n in 1 2 3; do
  ip netns add "$P-boot-$n"; ip -n "$P-boot-$n" link set lo up
  plug "$P-boot-$n" eth0 "$P-sw" "port$n" "10.0.0.1$n/24" 10.0.0.1
done
ip netns add "$P-rtr"; ip -n "$P-rtr" link set lo up
ip netns exec "$P-rtr" sysctl -qw net.ipv4.ip_forward=1
plug "$P-rtr" eth0 "$P-sw" port-rtr 10.0.0.1/24
ip netns add "$P-rack1"; ip -n "$P-rack1" link set lo up
ip -n "$P-rack1" link add br0 type bridge; ip -n "$P-rack1" link set br0 up
plug "$P-rtr" eth1 "$P-rack1" port-rtr 10.69.0.193/26
ip -n "$P-rack1" tuntap add dev tap0 mode tap
ip -n "$P-rack1" link set tap0 master br0 up
# iPXE waits ~14 s for IPv6 autoconfiguration unless a router advertises
ip -n "$P-rtr" -6 addr add fd00:69::1/64 dev eth1 nodad
ip netns exec "$P-rtr" dnsmasq -k --conf-file=/dev/null --port=0 --user=root --pid-file="$RUN/radv.pid" \
  --log-facility=- --enable-ra --interface=eth1 --dhcp-range=::,constructor:eth1,ra-stateless,64 >"$RUN/radv.log" 2>&1 &
PIDS+=($!)

# ---- servers with the package installed (the guide's step 1)
server_up() {  # server_up NAME…: fresh containers with the package installed
  local n
  for n in "$@"; do boot_container "$n" "$DEB" "$RUN/vmlinuz" "$RUN/initrd.img"; done
  await_containers "$@"
  for n in "$@"; do install_package "$n" "$(basename "$DEB")"; UP[$n]=1; done
  log "installed on $*"
}
server_up "${SERVERS[@]}"

# ---- the steps
on() {  # on WHERE SCRIPT: run SCRIPT with bash -e in /root on WHERE
  local where=$1 script=$2
  if [ "$where" = router ]; then
    ip netns exec "$P-rtr" bash -e "$script"
  else
    [ -n "${UP[$where]:-}" ] || fail "the guide runs a block on $where, which is not running here"
    cp "$script" "$RUN/ct-$where/root/var/tmp/guide-step"
    ct "$where" bash -e -c 'cd /root && . /var/tmp/guide-step'
  fi
}
power_on() {  # power_on SERIAL: boot the machine; its console must show its configuration
  local serial=$1 console=$RUN/serial-$1.log t0 q i
  t0=$(date +%s)
  ip netns exec "$P-rack1" qemu-system-x86_64 -accel tcg -machine pc -m 512 -smp 1 -display none \
    -monitor none -no-reboot -boot n -serial "file:$console" \
    -smbios "type=1,manufacturer=Kiban,product=TestNode,serial=$serial" \
    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device "virtio-net-pci,netdev=n0,mac=$MAC" \
    >"$RUN/qemu.log" 2>&1 &
  q=$!; PIDS+=($q)
  for ((i = 0; i < 300 * 5; i++)); do
    grep -qa KIBAN-CONFIG-END "$console" 2>/dev/null && break
    kill -0 $q 2>/dev/null || break
    sleep 0.2
  done
  kill $q 2>/dev/null || true; wait $q 2>/dev/null || true
  sed -n '/KIBAN-CONFIG-BEGIN/,/KIBAN-CONFIG-END/p' "$console" | tr -d '\r' >"$RUN/config-$serial"
  grep -q "^hostname: $serial$" "$RUN/config-$serial" && grep -q "address 10.69.0.196, role worker" "$RUN/config-$serial" ||
    { tail -c 3000 "$console"; fail "$serial did not boot with its configuration (console above)"; }
  log "ok: $serial netbooted in $(( $(date +%s) - t0 )) s; its configuration:"
  sed 's/^/    /' "$RUN/config-$serial"
}
directive() {  # directive VERB ARGS…: what the operator does by hand
  local verb=$1 n; shift
  case $verb in
    copy)
      ct "${1%%:*}" cat "${1#*:}" | ct "${2%%:*}" sh -c "umask 077; cat >'${2#*:}'" || fail "copy $1 $2" ;;
    wait)
      local where=$1; shift
      wait_for 120 "on $where: $*" ct "$where" bash -c "$*" ;;
    power-on) power_on "$1" ;;
    replace)
      for n in "$@"; do stop_container "$n"; unset "UP[$n]"; done
      server_up "$@" ;;
    lose)
      for n in "$@"; do stop_container "$n"; unset "UP[$n]"; done
      log "lost $*" ;;
    *) fail "unknown directive '$verb' in the guide" ;;
  esac
}
mkdir -p "$RUN/steps"
log "$(python3 "$HERE/guide-steps.py" "$GUIDE" "$RUN/steps") in $(basename "$GUIDE")"
for d in "$RUN"/steps/*; do
  read -r -a where <"$d/where"
  if [ "${where[0]}" = test ]; then
    read -r -a args <"$d/script"
    log "- ${args[*]}"
    directive "${args[@]}"
    continue
  fi
  [ "${where[*]}" = "every boot server" ] && where=("${!UP[@]}")
  for w in "${where[@]}"; do
    log "- on $w: $(head -1 "$d/script")$([ "$(wc -l <"$d/script")" -gt 1 ] && echo " …")"
    on "$w" "$d/script" >"$d/out-$w" 2>&1 || { sed 's/^/    /' "$d/out-$w"; fail "step $(basename "$d") on $w"; }
    sed 's/^/    /' "$d/out-$w"
  done
done

# ---- what the guide promises at its end: the restored cluster holds the machine, three voters
ct boot-1 kiban machines get --rack 1 | grep -q KB-SN-0001 || fail "the restored cluster lost KB-SN-0001"
for n in "${SERVERS[@]}"; do
  [ "$(ct "$n" kiban members list | grep -c voter)" = 3 ] || fail "$n does not see three voters"
done
log "ok: the operator guide ran as written ($(ls "$RUN/steps" | wc -l) steps) in $(( $(date +%s) - T0 )) s"

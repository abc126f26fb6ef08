#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing Kiban need. Idempotent and quiet
# when everything is already there. Usage: scripts/install-deps.sh [test|bench]
set -euo pipefail

build_pkgs=(liburing-dev libsqlite3-dev pkg-config)
test_pkgs=(iproute2 iptables curl python3 openssl faketime                          # faketime: clock moves in JepsenTests
           isc-dhcp-client busybox dhcpcd-base isc-dhcp-relay kea-admin tcpdump    # DHCP namespace tests
           debootstrap systemd-container lintian piuparts dpkg-dev                   # package tests
           qemu-system-x86 ipxe-qemu ipxe ovmf dnsmasq-base cpio tftp-hpa             # netboot VM and TFTP tests
           etcd-server etcd-client)                                                   # PKI relying parties
bench_pkgs=(wrk nginx-light kea-dhcp4-server kea-admin python3-aiohttp)

want=("${build_pkgs[@]}")
case "${1:-test}" in
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  build) ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# etcd-server is a test and benchmark tool here: a service it starts on a systemd machine would
# hold the ports the tests pick from and skew the benchmark.
if [[ " ${missing[*]} " == *" etcd-server "* ]] && command -v systemctl >/dev/null && systemctl is-enabled etcd >/dev/null 2>&1; then
  systemctl disable --now etcd >/dev/null 2>&1 || true
fi

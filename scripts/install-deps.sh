#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing Kiban need. Idempotent and quiet
# when everything is already there. Usage: scripts/install-deps.sh [test|bench]
set -euo pipefail

build_pkgs=(liburing-dev libsqlite3-dev pkg-config)
test_pkgs=(iproute2 iptables curl python3 openssl gcc                               # gcc: builds the clock-moving library of JepsenTests
           isc-dhcp-client busybox dhcpcd-base isc-dhcp-relay kea-admin tcpdump    # DHCP namespace tests
           debootstrap systemd-container lintian piuparts dpkg-dev                   # package tests
           qemu-system-x86 ipxe-qemu ipxe ovmf dnsmasq-base cpio tftp-hpa             # netboot VM and TFTP tests
           e2fsprogs                                                                  # power-loss VM test
           cryptsetup-bin                                                             # encrypted disks through the agent (AgentCryptTests)
           etcd-server etcd-client                                                    # PKI relying parties
           chromium)                                                                  # the status page in a headless browser
# Python modules the tests run with the python3 on PATH (which may not be Debian's): the
# Prometheus text parser and an HTML5 validator for the metrics and status page tests.
test_python=(prometheus_client html5lib)
bench_pkgs=(wrk nginx-light kea-dhcp4-server kea-admin python3-aiohttp)

want=("${build_pkgs[@]}")
case "${1:-test}" in
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}"); test_python+=(cryptography) ;;  # cryptography: the agents' CSRs in bench/heartbeats.py
  build) ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

# pip installs them for the python3 the tests will run; quiet when they are there already.
install_python() {
  local absent=()
  for m in "${test_python[@]}"; do python3 -c "import $m" 2>/dev/null || absent+=("$m"); done
  [ ${#absent[@]} -eq 0 ] && return 0
  echo "installing Python modules: ${absent[*]}"
  python3 -m pip install -q "${absent[@]}" 2>/dev/null || python3 -m pip install -q --break-system-packages "${absent[@]}"
}

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-test}" = build ] || install_python
  exit 0
fi

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
[ "${1:-test}" = build ] || install_python

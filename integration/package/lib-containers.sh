# lib-containers.sh -- sourced by the package tests (not run directly): Debian 12 containers with
# systemd as PID 1 (systemd-nspawn), each in a network namespace of this run, on a throwaway
# overlay above one cached root made with debootstrap.
# The caller sets DEB (the package) and, before boot_container, creates the network namespace
# "$P-<name>" each container joins. Root only.
set -euo pipefail
for tool in systemd-nspawn debootstrap nsenter python3; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing: run scripts/install-deps.sh test" >&2; exit 1; }
done
CACHE=${KIBAN_TEST_CACHE:-/var/cache/kiban-test}
ROOT=$CACHE/bookworm-systemd
MIRROR=${MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian)}
RUN=$(mktemp -d "/tmp/kiban-$(basename "$0" .sh).XXXXXX")
P=kp$(( $$ % 100000 ))                 # names of this run's namespaces and machines
declare -A CPID NSPAWN
PIDS=()
T0=$(date +%s)

log() { printf '[%s +%3ds] %s\n' "$(date +%T)" $(( $(date +%s) - T0 )) "$*"; }
fail() { log "FAIL: $*"; exit 1; }
stop_container() {  # stop_container NAME: power it off (bounded), then kill what is left
  local n=$1 pid=${NSPAWN[$1]:-}
  [ -n "$pid" ] || return 0
  ct "$n" systemctl poweroff >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  unset "NSPAWN[$n]" "CPID[$n]"
}
cleanup() {
  set +e
  local i pid n
  for i in "${!NSPAWN[@]}"; do kill "${NSPAWN[$i]}" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for i in "${!NSPAWN[@]}"; do
    for _ in $(seq 100); do kill -0 "${NSPAWN[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${NSPAWN[$i]}" 2>/dev/null
  done
  for n in $(ip netns list | awk -v p="$P-" 'index($1,p)==1{print $1}'); do
    for pid in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$n"
  done
  for m in $(awk -v w="$RUN" 'index($2,w)==1{print $2}' /proc/mounts | sort -r); do umount -l "$m"; done
  [ "${KEEP_RUN:-0}" = 1 ] && echo "logs kept in $RUN" || rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # wait_for SECONDS WHAT CMD...: poll CMD until it succeeds, or fail after SECONDS
  local deadline=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what (waited $1 s)"
    sleep 0.3
  done
}
ct() {  # ct NAME CMD...: run CMD in container NAME as root, as from a login shell there
  local n=$1; shift
  nsenter -t "${CPID[$n]}" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
}
expect_eq() {  # expect_eq WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
  log "ok: $1: $3"
}

prepare_root() {  # the cached Debian root, with the packages $DEB depends on and $ROOT_EXTRA; shared lock after
  exec 9>"$CACHE.lock"
  flock -x 9
  if [ ! -x "$ROOT/usr/bin/dpkg" ]; then
    log "debootstrap bookworm into $ROOT (once; later runs reuse it)"
    mkdir -p "$CACHE"; rm -rf "$ROOT.tmp"
    debootstrap --variant=minbase --include=systemd-sysv,dbus,adduser,libsqlite3-0,liburing2 \
      bookworm "$ROOT.tmp" "$MIRROR" >"$RUN/debootstrap.log" 2>&1 || { tail "$RUN/debootstrap.log"; fail "debootstrap"; }
    mv "$ROOT.tmp" "$ROOT"
  fi
  local missing=() dep
  for dep in $(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//' | tr -d ' ') ${ROOT_EXTRA:-}; do
    chroot "$ROOT" dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q 'ok installed' || missing+=("$dep")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "adding ${missing[*]} to the cached root"
    chroot "$ROOT" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing[*]}" >"$RUN/apt.log" 2>&1 ||
      { tail "$RUN/apt.log"; fail "apt-get install ${missing[*]} in $ROOT"; }
  fi
  flock -s 9   # others may share the root now; none changes it while we use it
}

boot_container() {  # boot_container NAME [FILE…]: a fresh container NAME (hostname NAME) in netns $P-NAME, FILEs in /root
  local n=$1 dir=$RUN/ct-$1 f; shift
  [ -d "$dir" ] && { umount -l "$dir/root" 2>/dev/null || true; rm -rf "$dir"; }
  mkdir -p "$dir"/{upper,work,root}
  mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$dir/upper,workdir=$dir/work" "$dir/root"
  for f in "$@"; do cp "$f" "$dir/root/root/"; done
  echo "$n" >"$dir/root/etc/hostname"
  systemd-nspawn -q -D "$dir/root" --register=no --keep-unit -M "$P-$n" --hostname="$n" \
    --network-namespace-path="/run/netns/$P-$n" -b >"$dir/console.log" 2>&1 </dev/null &
  NSPAWN[$n]=$!
}
running() { local s; s=$(ct "$1" systemctl is-system-running 2>/dev/null); [ "$s" = running ] || [ "$s" = degraded ]; }
await_containers() {  # await_containers NAME…: each has booted systemd
  local n
  for n in "$@"; do
    wait_for 60 "container $n starts" pgrep -P "${NSPAWN[$n]}"
    CPID[$n]=$(pgrep -P "${NSPAWN[$n]}" | head -1)
  done
  for n in "$@"; do wait_for 120 "systemd boots in container $n" running "$n"; done
}
install_package() {  # install_package NAME FILE: apt-get install /root/FILE, then wait for the service
  ct "$1" apt-get install -y --no-install-recommends "/root/$2" >"$RUN/install-$1.log" 2>&1 ||
    { tail -20 "$RUN/install-$1.log"; fail "apt-get install on $1"; }
  wait_for 60 "kiban.service active on $1" ct "$1" systemctl is-active kiban
}

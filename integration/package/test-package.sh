#!/usr/bin/env bash
# The Debian package under a real systemd (docs/packaging.md):
#   lintian; then three Debian 12 containers (systemd as PID 1 in systemd-nspawn, each in its own
#   network namespace on one bridge) install the .deb with apt, form a cluster with `kiban init`,
#   `kiban token create` and `kiban join` as docs/operator-guide.md says, are upgraded one by one
#   to a newer package (data, settings and cluster kept, service restarted), and one of them
#   removes and purges it; then piuparts (install, remove, purge).
# Usage: integration/package/test-package.sh out/kiban_<version>_amd64.deb    (root only)
# The Debian root is made once with debootstrap and cached in $KIBAN_TEST_CACHE
# (/var/cache/kiban-test); each container runs on a throwaway overlay above it.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "test-package: skipped: containers, network namespaces and piuparts need root (run make test as root)"
  exit 0
fi
DEB=$(realpath "${1:?usage: $0 out/kiban_VERSION_amd64.deb}")
command -v lintian >/dev/null && command -v piuparts >/dev/null ||
  { echo "test-package: lintian or piuparts is missing: run scripts/install-deps.sh test" >&2; exit 1; }
. "$(dirname "$0")/lib-containers.sh"
VERSION=$(dpkg-deb -f "$DEB" Version)
NEXT=$VERSION+upgradetest1             # the upgrade: the same files under a higher version

# ---- lintian
log "lintian $(basename "$DEB")"
lintian --fail-on error,warning --tag-display-limit 0 "$DEB" || fail "lintian reports the errors or warnings above"

prepare_root

# ---- the upgrade package: the same files, a higher version
mkdir -p "$RUN/next"
dpkg-deb -R "$DEB" "$RUN/next/tree"
sed -i "s/^Version: .*/Version: $NEXT/" "$RUN/next/tree/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$RUN/next/tree" "$RUN/kiban_${NEXT}_amd64.deb" >/dev/null

# ---- network: three namespaces on a bridge in a fourth (198.18.0.0/15 reaches nothing outside)
ip netns add "$P-sw"
ip -n "$P-sw" link add br0 type bridge
ip -n "$P-sw" link set br0 up
for n in 1 2 3; do
  ip netns add "$P-boot-$n"
  ip -n "$P-boot-$n" link set lo up
  ip -n "$P-boot-$n" link add eth0 type veth peer name "port$n" netns "$P-sw"
  ip -n "$P-sw" link set "port$n" master br0 up
  ip -n "$P-boot-$n" addr add "198.18.0.1$n/24" dev eth0
  ip -n "$P-boot-$n" link set eth0 up
done

# ---- three containers booting systemd
for n in 1 2 3; do boot_container "boot-$n" "$DEB" "$RUN/kiban_${NEXT}_amd64.deb"; done
await_containers boot-1 boot-2 boot-3
log "three containers booted (PID 1: $(cat /proc/"${CPID[boot-1]}"/comm))"

# ---- install
for n in 1 2 3; do install_package "boot-$n" "$(basename "$DEB")"; done
log "installed $VERSION on the three containers"
expect_eq "systemctl is-active kiban" active "$(ct boot-1 systemctl is-active kiban)"
expect_eq "systemctl is-enabled kiban" enabled "$(ct boot-1 systemctl is-enabled kiban)"
pid=$(ct boot-1 systemctl show -p MainPID --value kiban)
expect_eq "the daemon's user" kiban "$(ct boot-1 stat -c %U "/proc/$pid")"
expect_eq "the daemon's ambient capabilities (NET_BIND_SERVICE only)" 0000000000000400 \
  "$(ct boot-1 awk '/^CapAmb/{print $2}' "/proc/$pid/status")"
expect_eq "the admin socket's mode, owner, group" "660 kiban kiban" "$(ct boot-1 stat -c '%a %U %G' /run/kiban/kiban.sock)"
expect_eq "the data directory's mode and owner" "700 kiban" "$(ct boot-1 stat -c '%a %U' /var/lib/kiban)"
for f in /usr/share/man/man1/kiban.1.gz /usr/share/zsh/vendor-completions/_kiban /usr/share/fish/vendor_completions.d/kiban.fish; do
  ct boot-1 test -s "$f" || fail "$f is missing or empty"
done
expect_eq "bash completion of 'kiban tok'" token \
  "$(ct boot-1 bash -c 'source /usr/share/bash-completion/completions/kiban; COMP_WORDS=(kiban tok); COMP_CWORD=1; COMP_LINE="kiban tok"; COMP_POINT=9; $(complete -p kiban | sed "s/.*-F \([^ ]*\).*/\1/") kiban tok kiban; echo "${COMPREPLY[*]}"')"
ct boot-1 kiban status >"$RUN/status-before-init" 2>&1 && fail "kiban status before init exits 0"
grep -q uninitialized "$RUN/status-before-init" || fail "kiban status before init: $(cat "$RUN/status-before-init")"
log "ok: before init, kiban status says uninitialized and exits 1"
ct boot-1 adduser --quiet --disabled-password --gecos "" alice >/dev/null
ct boot-1 runuser -u alice -- kiban status >"$RUN/denied" 2>&1 && fail "a user outside group kiban used the admin socket"
ct boot-1 adduser --quiet alice kiban >/dev/null
rc=0; ct boot-1 runuser -u alice -- kiban status -o json >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a member of group kiban cannot use the admin socket (exit $rc)"
log "ok: the admin socket refuses other users and serves the kiban group"
# --man=no: the container has no man-db to look up Documentation=man:kiban(1).
ct boot-1 systemd-analyze verify --man=no kiban.service >"$RUN/verify.txt" 2>&1 || { cat "$RUN/verify.txt"; fail "systemd-analyze verify kiban.service"; }
grep . "$RUN/verify.txt" && fail "systemd-analyze verify kiban.service warns (above)"
log "ok: systemd-analyze verify kiban.service"
ct boot-1 systemd-analyze verify --man=no kiban-agent.service >"$RUN/verify-agent.txt" 2>&1 || { cat "$RUN/verify-agent.txt"; fail "systemd-analyze verify kiban-agent.service"; }
grep . "$RUN/verify-agent.txt" && fail "systemd-analyze verify kiban-agent.service warns (above)"
ct boot-1 systemctl is-enabled kiban-agent >/dev/null 2>&1 && fail "the package enabled kiban-agent.service on a boot server"
log "ok: kiban-agent.service installed, valid, not enabled"
ct boot-1 systemd-analyze security kiban.service >"$RUN/security.txt" 2>&1 || true
log "systemd-analyze security kiban.service: $(tail -1 "$RUN/security.txt")"

# ---- a cluster, exactly as docs/operator-guide.md says
for n in 1 2 3; do
  ct "boot-$n" sed -i -e "s/^# name: .*/name: boot-$n/" -e "s/^# advertise-address: .*/advertise-address: 198.18.0.1$n/" /etc/kiban/kiban.yaml
  ct "boot-$n" systemctl restart kiban
done
ct boot-1 kiban init >"$RUN/init.txt" || fail "kiban init"
log "kiban init on boot-1: $(tail -1 "$RUN/init.txt")"
wait_for 60 "boot-1 has a leader" ct boot-1 kiban status
for n in 2 3; do
  token=$(ct boot-1 kiban token create "boot-$n" --ttl 1h) || fail "kiban token create boot-$n"
  # As the guide says: the token in a file only root reads, never on the command line.
  printf '%s\n' "$token" | ct "boot-$n" install -m 600 /dev/stdin /root/token || fail "writing the token on boot-$n"
  ct "boot-$n" kiban join --token-file /root/token >"$RUN/join-$n.txt" || fail "kiban join on boot-$n: $(cat "$RUN/join-$n.txt")"
done
voters() {  # voters N COUNT: container N sees a leader and COUNT voters
  ct "boot-$1" kiban status -o json | python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(not (s.get("leader") and sum(m["role"]=="voter" for m in s["members"])==int(sys.argv[1])))' "$2"
}
for n in 1 2 3; do wait_for 90 "boot-$n sees a leader and three voters" voters "$n" 3; done
log "ok: three voters, one leader, as each member sees it"
for n in 1 2 3; do
  expect_eq "mode of boot-$n's key-encryption key" 600 "$(ct "boot-$n" stat -c %a /var/lib/kiban/tls/kek)"
done
kek1=$(ct boot-1 sha256sum /var/lib/kiban/tls/kek | cut -d' ' -f1); kek3=$(ct boot-3 sha256sum /var/lib/kiban/tls/kek | cut -d' ' -f1)
expect_eq "boot-3's key-encryption key (received at join)" "$kek1" "$kek3"
ct boot-1 kiban kv get /kiban/ca >/dev/null 2>&1 && fail "kiban kv get /kiban/ca answered"
log "ok: every member holds the cluster's key-encryption key (0600); the kv API refuses /kiban/"
ct boot-1 kiban status | sed 's/^/    /'
ct boot-2 kiban kv put package-test kept-across-upgrades >/dev/null || fail "kv put"

# ---- upgrade, one server at a time
for n in 1 2 3; do
  before=$(ct "boot-$n" systemctl show -p InvocationID --value kiban)
  ct "boot-$n" apt-get install -y --no-install-recommends "/root/kiban_${NEXT}_amd64.deb" >"$RUN/upgrade-$n.log" 2>&1 ||
    { tail -20 "$RUN/upgrade-$n.log"; fail "upgrade on boot-$n"; }
  expect_eq "boot-$n's package version" "$NEXT" "$(ct "boot-$n" dpkg-query -W -f='${Version}' kiban)"
  wait_for 60 "kiban.service active after the upgrade on boot-$n" ct "boot-$n" systemctl is-active kiban
  after=$(ct "boot-$n" systemctl show -p InvocationID --value kiban)
  [ -n "$after" ] && [ "$after" != "$before" ] || fail "the upgrade did not restart kiban on boot-$n"
  expect_eq "boot-$n's edited kiban.yaml after the upgrade" "name: boot-$n" "$(ct "boot-$n" grep '^name:' /etc/kiban/kiban.yaml)"
  wait_for 90 "boot-$n is back with a leader and three voters" voters "$n" 3
done
expect_eq "a key written before the upgrades" kept-across-upgrades "$(ct boot-3 kiban kv get package-test)"
log "ok: rolling upgrade to $NEXT: each service restarted, settings and data kept"

# ---- remove (data kept), purge (data gone)
leader() { ct boot-1 kiban status -o json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("leader") or "")'; }
not_leader() { [ "$(leader)" != "boot-$1" ] && [ -n "$(leader)" ]; }
if [ "$(leader)" = boot-3 ]; then
  ct boot-3 kiban members transfer-leader >/dev/null || fail "kiban members transfer-leader on boot-3"
  wait_for 60 "leadership leaves boot-3" not_leader 3
fi
l=$(leader); l=${l#boot-}
ct "boot-$l" kiban members remove boot-3 >"$RUN/members-remove.txt" 2>&1 || fail "kiban members remove boot-3 on boot-$l: $(cat "$RUN/members-remove.txt")"
ct boot-3 apt-get remove -y kiban >"$RUN/remove.log" 2>&1 || { tail "$RUN/remove.log"; fail "apt-get remove"; }
[ "$(ct boot-3 systemctl is-active kiban)" != active ] || fail "kiban still runs after apt-get remove"
ct boot-3 test -f /var/lib/kiban/member.json || fail "apt-get remove deleted the data"
ct boot-3 test -f /etc/kiban/kiban.yaml || fail "apt-get remove deleted the configuration"
log "ok: after apt-get remove the service is stopped, /var/lib/kiban and /etc/kiban/kiban.yaml stay"
ct boot-3 apt-get purge -y kiban >"$RUN/purge.log" 2>&1 || { tail "$RUN/purge.log"; fail "apt-get purge"; }
ct boot-3 test -e /var/lib/kiban && fail "apt-get purge left /var/lib/kiban"
ct boot-3 test -e /etc/kiban && fail "apt-get purge left /etc/kiban"
ct boot-3 dpkg-query -W -f='${Status}' kiban 2>/dev/null | grep -q installed && fail "kiban still installed after purge"
log "ok: after apt-get purge, /var/lib/kiban and /etc/kiban are gone"
wait_for 60 "the two remaining members keep a leader" voters 1 2

for n in 1 2 3; do stop_container "boot-$n"; done
log "containers powered off"

# ---- piuparts: install, remove, purge in a copy of the cached root
log "piuparts"
piuparts --existing-chroot="$ROOT" --mirror="$MIRROR main" --distribution=bookworm \
  --tmpdir="$RUN" --log-file="$RUN/piuparts.log" --no-upgrade-test --skip-logrotatefiles-test \
  "$DEB" >/dev/null 2>&1 || { grep -E 'FAIL|ERROR' "$RUN/piuparts.log" | head -30; fail "piuparts (log above)"; }
log "ok: piuparts: $(tail -1 "$RUN/piuparts.log")"
log "package tests passed in $(( $(date +%s) - T0 )) s"

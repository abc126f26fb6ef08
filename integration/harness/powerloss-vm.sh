#!/bin/bash
# powerloss-vm.sh -- power-loss durability of the store: `kiban-store-crash` writes to a
# single-member store on an ext4 file system inside a QEMU VM (KVM when /dev/kvm is usable, TCG
# otherwise) whose data disk is a raw image on virtio-blk with cache=none; it prints each write
# on the serial console (ttyS0 -> a host file) once the store acknowledged it. After a seeded
# random number of acknowledgements QEMU is killed with SIGKILL: the guest's page cache, and
# everything it had not yet written to the virtual disk, is gone, as in a power cut. Then, on the
# host, e2fsck replays the ext4 journal on the image, debugfs copies the store out of it (no
# mount, no loop device), and `kiban-store-crash check` recovers that copy as a restarted member
# would and checks that every write acknowledged so far is there. The next cycle boots the VM on
# the same image, so each start also recovers from the previous power cut.
#
#   STORE_CRASH=path/to/kiban-store-crash [CYCLES=3] [SEED=n] [UNSAFE=1] powerloss-vm.sh
# UNSAFE=1 runs the writer with KIBAN_STORE_CRASH_UNSAFE_SKIP_FSYNC=1 (the store skips its
# fsyncs) and expects a loss: each cycle starts on an empty disk, and cycles run until a check
# fails (caught: exit 0) or CYCLES ran (not caught: exit 1); with UNSAFE_EVERY_CYCLE=1 all CYCLES
# run and the result says in how many the loss was caught. Otherwise every cycle's check must
# pass. SEED replays the kill points.
# Needs: qemu-system-x86_64, e2fsprogs (mkfs.ext4, e2fsck, debugfs), cpio, and a Debian kernel and
# busybox-static (fetched once with apt-get download into $KIBAN_BOOT_CACHE). Waits are bounded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib-boot-assets.sh"
STORE_CRASH=${STORE_CRASH:?set STORE_CRASH to the kiban-store-crash binary}
CYCLES=${CYCLES:-3}
SEED=${SEED:-$(date +%s)}
UNSAFE=${UNSAFE:-0}
ACKS_MAX=${ACKS_MAX:-400}        # a cycle is killed after 1..ACKS_MAX acknowledgements
CYCLE_SECONDS=${CYCLE_SECONDS:-120}
# Under /var/tmp, not /tmp: cache=none opens the image with O_DIRECT, which tmpfs refuses.
RUN=${RUN:-/var/tmp/kiban-powerloss-$$}
IMG="$RUN/data.img"; ACKS="$RUN/acks"
QEMU_PID=""
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
fail() { log "FAIL $* (replay: SEED=$SEED)"; exit 1; }
cleanup() {
  [ -n "$QEMU_PID" ] && kill -9 "$QEMU_PID" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 143' INT TERM
RANDOM=$SEED
mkdir -p "$RUN"

# ---- initrd: busybox, the disk's modules, the writer with the shared libraries it needs
boot_assets
I="$RUN/initrd"; mkdir -p "$I"/{bin,proc,sys,dev,tmp,data,lib/kiban,lib64}
cp "$BUSYBOX" "$I/bin/"
for c in sh mount umount cat echo sed insmod mkdir poweroff sleep; do ln -s busybox "$I/bin/$c"; done
initrd_modules "$I" virtio_pci virtio_blk ext4 crc32c_generic || fail "the disk's kernel modules"
cp "$STORE_CRASH" "$I/bin/kiban-store-crash"
for lib in $(ldd "$STORE_CRASH" | awk '/=> \//{print $3}'); do cp -L "$lib" "$I/lib/kiban/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$I/lib64/"
cat >"$I/init" <<EOS
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
for m in $MODS; do insmod /lib/modules/\$m.ko >/dev/ttyS0 2>&1 || echo "insmod \$m failed" >/dev/ttyS0; done
arg() { sed -n "s/.*kiban\.\$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
mount -t ext4 /dev/vda /data >/dev/ttyS0 2>&1 || { echo KIBAN-POWERLOSS-NO-DISK >/dev/ttyS0; poweroff -f; }
[ "\$(arg unsafe)" = 1 ] && export KIBAN_STORE_CRASH_UNSAFE_SKIP_FSYNC=1
export LD_LIBRARY_PATH=/lib/kiban
/bin/kiban-store-crash /data/member "\$(arg run)" "\$(arg writers)" >/dev/ttyS0 2>&1
echo "KIBAN-POWERLOSS-WRITER-EXIT \$?" >/dev/ttyS0
poweroff -f
EOS
chmod +x "$I/init"
# Uncompressed: the libraries are tens of MB, and gzip would cost more time than it saves.
(cd "$I" && find . | cpio -o -H newc 2>/dev/null) >"$RUN/initrd.img"

# The data disk: an empty ext4 file system (data=ordered, journal) on a raw image, and no
# acknowledgements yet.
new_disk() {
  rm -f "$IMG"; truncate -s 512M "$IMG"
  mkfs.ext4 -q -F "$IMG"
  : >"$ACKS"
}
new_disk
# KVM only where the CPU offers virtualization: a /dev/kvm without vmx or svm (a nested guest
# that does not pass them on) hangs the VM or fails on its MSRs.
if [ -z "${ACCEL:-}" ]; then
  ACCEL=tcg
  [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && ACCEL=kvm
fi
log "power-loss test: $CYCLES cycles at most, seed $SEED, accel $ACCEL, $([ "$UNSAFE" = 1 ] && echo "UNSAFE writer (fsync skipped), expecting a loss" || echo "writer as shipped")"

acks_in() { tr -d '\r' <"$1" | grep -c '^ack ' || true; }

# run_cycle N: boots the VM, kills it after a random number of acknowledgements, checks the store.
run_cycle() {
  local n=$1 writers=$((1 + RANDOM % 8)) target=$((1 + RANDOM % ACKS_MAX)) console="$RUN/serial-$1.log" t0 acked
  t0=$(date +%s%N)
  [ "$UNSAFE" = 1 ] && [ "$n" -gt 1 ] && new_disk
  : >"$console"
  # Under setpriv --pdeathsig KILL: QEMU dies with this script, however the script ends.
  $(command -v setpriv >/dev/null && echo setpriv --pdeathsig KILL --) qemu-system-x86_64 -accel "$ACCEL" -machine q35 -m 1024 -smp 2 -nodefaults -display none -monitor none \
     -no-reboot -kernel "$KERNEL" -initrd "$RUN/initrd.img" -serial "file:$console" \
     -append "console=ttyS0 quiet panic=-1 kiban.run=$n kiban.writers=$writers kiban.unsafe=$UNSAFE" \
     -drive "file=$IMG,format=raw,if=virtio,cache=none" >"$RUN/qemu.log" 2>&1 &
  QEMU_PID=$!
  local deadline=$((SECONDS + CYCLE_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(acks_in "$console")" -ge "$target" ] && break
    kill -0 "$QEMU_PID" 2>/dev/null || break
    sleep 0.02
  done
  # The power cut.
  kill -9 "$QEMU_PID" 2>/dev/null || fail "cycle $n: the VM ended before the power cut: $(tail -c 2000 "$console"; cat "$RUN/qemu.log")"
  wait "$QEMU_PID" 2>/dev/null || true
  QEMU_PID=""
  acked=$(acks_in "$console")
  [ "$acked" -ge "$target" ] || fail "cycle $n: only $acked of $target writes acknowledged in ${CYCLE_SECONDS}s: $(tail -c 2000 "$console")"
  tr -d '\r' <"$console" | grep '^ack ' >>"$ACKS" || true
  # Replay the journal. 1 (corrected) is usual: ext4 does not journal its free-block and
  # free-inode counts. 2 and above: the file system itself was damaged.
  local fsck=0; e2fsck -fy "$IMG" >"$RUN/fsck.log" 2>&1 || fsck=$?
  [ "$fsck" -le 1 ] || fail "cycle $n: e2fsck exit $fsck: $(cat "$RUN/fsck.log")"
  rm -rf "$RUN/copy"; mkdir -p "$RUN/copy"
  debugfs -R "rdump /member $RUN/copy" "$IMG" >"$RUN/debugfs.log" 2>&1 || fail "cycle $n: debugfs: $(cat "$RUN/debugfs.log")"
  local check=0; "$STORE_CRASH" check "$RUN/copy/member" "$ACKS" >"$RUN/check.log" 2>&1 || check=$?
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  log "cycle $n: $writers writers, cut after $acked acknowledgements (target $target), ${ms} ms; $(sed -n 's/^check: as found: //p' "$RUN/check.log"); $(tail -1 "$RUN/check.log")"
  CYCLE_MS=$((CYCLE_MS + ms)); ACKED=$((ACKED + acked))
  [ "$check" -le 1 ] || fail "cycle $n: the check could not run: $(cat "$RUN/check.log")"
  [ "$check" -eq 0 ] || { head -n 8 "$RUN/check.log"; return 1; }
}

CYCLE_MS=0; ACKED=0; ran=0; caught=0
for ((c = 1; c <= CYCLES; c++)); do
  ran=$c
  if run_cycle "$c"; then continue; fi
  [ "$UNSAFE" = 1 ] || fail "cycle $c: acknowledged writes did not survive the power cut"
  caught=$((caught + 1))
  [ "${UNSAFE_EVERY_CYCLE:-0}" = 1 ] && continue
  log "RESULT: caught: the store without fsync lost acknowledged writes in cycle $c of at most $CYCLES ($ACKED acknowledged, $((CYCLE_MS / ran)) ms per cycle, seed $SEED)"
  exit 0
done
if [ "$UNSAFE" = 1 ]; then
  [ "$caught" -gt 0 ] || fail "not caught: the store without fsync lost nothing in $CYCLES cycles"
  log "RESULT: caught: the store without fsync lost acknowledged writes in $caught of $ran cycles ($ACKED acknowledged, $((CYCLE_MS / ran)) ms per cycle, seed $SEED)"
  exit 0
fi
log "RESULT: $ran power cuts, every one of $ACKED acknowledged writes survived ($((ACKED / ran)) per cycle, $((CYCLE_MS / ran)) ms per cycle, seed $SEED)"

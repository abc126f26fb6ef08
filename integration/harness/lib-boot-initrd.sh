# lib-boot-initrd.sh -- sourced by tests that netboot a QEMU VM (not run directly).
# Uses lib-boot-assets.sh (boot_assets: the kernel and busybox; initrd_modules).
# config_initrd DIR OUT: a busybox initrd that brings up its NIC with udhcpc, fetches the rendered
#   configuration named by kiban.config= on its kernel command line, prints it on ttyS0 between
#   KIBAN-CONFIG-BEGIN and KIBAN-CONFIG-END, and powers off.
. "$(dirname "${BASH_SOURCE[0]}")/lib-boot-assets.sh"

config_initrd() {  # config_initrd WORKDIR OUT (after boot_assets)
  local I=$1 out=$2 c
  mkdir -p "$I"/{bin,proc,sys,dev,lib/modules,etc}
  cp "$BUSYBOX" "$I/bin/"
  for c in sh mount cat echo sed insmod ip ifconfig route udhcpc wget poweroff sleep; do ln -sf busybox "$I/bin/$c"; done
  initrd_modules "$I" virtio_pci virtio_net || return 1
  cat >"$I/udhcpc.sh" <<'EOS'
#!/bin/sh
case "$1" in bound|renew)
  ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
  for r in $router; do route add default gw "$r" 2>/dev/null; done ;;
esac
EOS
  cat >"$I/init" <<EOS
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
for m in $MODS; do insmod /lib/modules/\$m.ko >/dev/ttyS0 2>&1 || echo "insmod \$m failed" >/dev/ttyS0; done
config=\$(sed -n 's/.*kiban\.config=\([^ ]*\).*/\1/p' /proc/cmdline)
serial=\$(sed -n 's/.*kiban\.serial=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "KIBAN-INITRD serial=\$serial config=\$config" >/dev/ttyS0
ip link set eth0 up
udhcpc -i eth0 -n -q -t 20 -T 1 -s /udhcpc.sh >/dev/ttyS0 2>&1
for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O /config "\$config" && break; sleep 1; done
echo "KIBAN-CONFIG-BEGIN" >/dev/ttyS0; cat /config >/dev/ttyS0; echo "KIBAN-CONFIG-END" >/dev/ttyS0
poweroff -f
EOS
  chmod +x "$I/init" "$I/udhcpc.sh"
  (cd "$I" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
}

# agent_initrd DIR OUT KIBAN: config_initrd's initrd that, instead of powering off, takes the
#   machine's IPAM address from its configuration (lines address=… and gateway=…), runs
#   `kiban agent join --boot` (the serial, node API and CA fingerprint come from the kernel
#   command line) and then `kiban agent run`, logging to ttyS0 between KIBAN-AGENT markers.
#   KIBAN is stripped and carried with the shared libraries ldd lists (at the same paths).
#   Sets INITRD_BYTES (compressed) and INITRD_TREE_BYTES (unpacked).
agent_initrd() {  # agent_initrd WORKDIR OUT KIBAN (after boot_assets)
  local I=$1 out=$2 kiban=$3 lib
  config_initrd "$I" "$out.config" || return 1
  rm -f "$out.config"
  mkdir -p "$I/run" "$I/tmp" "$I/etc"
  strip -o "$I/bin/kiban" "$kiban"
  for lib in $(ldd "$kiban" | awk '/=> \//{print $3} /^[ \t]*\/lib/{print $1}') /lib64/ld-linux-x86-64.so.2; do
    mkdir -p "$I$(dirname "$lib")"; cp -L "$lib" "$I$lib"; strip "$I$lib" 2>/dev/null || true
  done
  echo "root:x:0:0:root:/:/bin/sh" >"$I/etc/passwd"
  for c in grep tr head; do ln -sf busybox "$I/bin/$c"; done
  # The config_initrd init up to the configuration, then the agent instead of poweroff.
  sed -i '/^poweroff -f$/d' "$I/init"
  cat >>"$I/init" <<'EOS'
address=$(sed -n 's/^address=\(.*\)$/\1/p' /config | tr -d '\r' | head -1)
gateway=$(sed -n 's/^gateway=\(.*\)$/\1/p' /config | tr -d '\r' | head -1)
# The machine's own (IPAM) address: the boot token is handed out only to it.
ip addr flush dev eth0; ip addr add "$address/24" dev eth0; ip route add default via "$gateway"
echo "KIBAN-AGENT address=$address gateway=$gateway" >/dev/ttyS0
export HOME=/ TMPDIR=/tmp
until /bin/kiban agent join --boot --state-dir /run/agent >/dev/ttyS0 2>&1; do echo "KIBAN-AGENT join failed; retrying" >/dev/ttyS0; sleep 5; done
echo "KIBAN-AGENT joined" >/dev/ttyS0
exec /bin/kiban agent run --state-dir /run/agent --serial "$serial" --interval 1 >/dev/ttyS0 2>&1
EOS
  (cd "$I" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out"
  INITRD_BYTES=$(stat -c %s "$out"); INITRD_TREE_BYTES=$(du -sb "$I" | cut -f1)
}

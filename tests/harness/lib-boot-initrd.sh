# lib-boot-initrd.sh -- sourced by tests that netboot a QEMU VM (not run directly).
# boot_cache: Debian's kernel (with its virtio modules) and busybox-static, fetched once with
#   apt-get download into $CACHE (default /var/tmp/kiban-boot-cache); sets KDIR and KERNEL.
# config_initrd DIR OUT: a busybox initrd that brings up its NIC with udhcpc, fetches the rendered
#   configuration named by kiban.config= on its kernel command line, prints it on ttyS0 between
#   KIBAN-CONFIG-BEGIN and KIBAN-CONFIG-END, and powers off.
CACHE=${KIBAN_BOOT_CACHE:-/var/tmp/kiban-boot-cache}

boot_cache() {
  mkdir -p "$CACHE"
  KDIR=$(ls -d "$CACHE"/kx/lib/modules/* 2>/dev/null | tail -1 || true)
  if [ -z "$KDIR" ]; then
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    (cd "$CACHE" && apt-get download "$pkg" >/dev/null && dpkg-deb -x "$pkg"_*.deb kx && rm -f "$pkg"_*.deb)
    KDIR=$(ls -d "$CACHE"/kx/lib/modules/* | tail -1)
  fi
  KERNEL=$(ls "$CACHE"/kx/boot/vmlinuz-* | tail -1)
  if [ ! -x "$CACHE/bbx/bin/busybox" ]; then
    (cd "$CACHE" && apt-get download busybox-static >/dev/null && dpkg-deb -x busybox-static_*.deb bbx && rm -f busybox-static_*.deb)
  fi
}

config_initrd() {  # config_initrd WORKDIR OUT (after boot_cache)
  local I=$1 out=$2 c m
  mkdir -p "$I"/{bin,proc,sys,dev,lib/modules,etc}
  cp "$CACHE/bbx/bin/busybox" "$I/bin/"
  for c in sh mount cat echo sed insmod ip ifconfig route udhcpc wget poweroff sleep; do ln -sf busybox "$I/bin/$c"; done
  MODS=""   # the NIC's modules, each after what its depends= names
  for m in virtio_pci virtio_net; do initrd_need "$m"; done
  for m in $MODS; do cp "$(initrd_modfile "$m")" "$I/lib/modules/"; done
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
initrd_modfile() { find "$KDIR/kernel" -name "$1.ko" | head -1; }
initrd_need() {
  local d; for d in $(grep -a -o -m1 'depends=[a-z0-9_,-]*' "$(initrd_modfile "$1")" | head -1 | cut -d= -f2 | tr , ' '); do initrd_need "$d"; done
  [[ " $MODS " == *" $1 "* ]] || MODS="$MODS $1"
}

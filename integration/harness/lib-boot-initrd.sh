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

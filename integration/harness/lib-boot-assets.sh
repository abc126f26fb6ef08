# lib-boot-assets.sh -- sourced by the VM tests: a Debian kernel (with its modules) and
# busybox-static, fetched once with `apt-get download` into $KIBAN_BOOT_CACHE
# (/var/tmp/kiban-boot-cache), and the modules an initrd must load, in dependency order.
#   boot_assets            sets KERNEL (vmlinuz), KDIR (its lib/modules/<version>), BUSYBOX
#   initrd_modules DIR M…  copies modules M and what they depend on into DIR/lib/modules and
#                          sets MODS to their names in load order (for insmod)
CACHE=${KIBAN_BOOT_CACHE:-/var/tmp/kiban-boot-cache}

boot_assets() {
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
  BUSYBOX="$CACHE/bbx/bin/busybox"
}

_modfile() { find "$KDIR/kernel" -name "$1.ko" | head -1; }
_need_module() {  # each module after what its depends= names
  local d f; f=$(_modfile "$1")
  [ -n "$f" ] || { echo "lib-boot-assets: no module $1 in $KDIR" >&2; return 1; }
  for d in $(grep -a -o -m1 'depends=[a-z0-9_,-]*' "$f" | head -1 | cut -d= -f2 | tr , ' '); do _need_module "$d"; done
  [[ " $MODS " == *" $1 "* ]] || MODS="$MODS $1"
}

initrd_modules() {
  local dir=$1 m; shift
  MODS=""
  for m in "$@"; do _need_module "$m" || return 1; done
  mkdir -p "$dir/lib/modules"
  for m in $MODS; do cp "$(_modfile "$m")" "$dir/lib/modules/"; done
}

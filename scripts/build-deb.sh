#!/usr/bin/env bash
# Builds out/kiban_<version>_amd64.deb (docs/packaging.md). The version is the VERSION file's
# unless KIBAN_DEB_VERSION is set. KIBAN_BUILD_PREFIX runs in front of the compiler (a lock on a
# shared machine, say). The release binary is built once in .build-release and reused;
# KIBAN_BINARY packages a binary built before instead (it must be a static-stdlib release build).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
VERSION=${KIBAN_DEB_VERSION:-$(tr -d ' \n' <VERSION)}
SCRATCH=.build-release
STAGE=$SCRATCH/deb/kiban
OUT=out/kiban_${VERSION}_amd64.deb

# 1. The binary: release mode, the Swift runtime linked in, nothing of Swift left to the host.
if [ -n "${KIBAN_BINARY:-}" ]; then
  BIN=$KIBAN_BINARY
else
  # -z relro -z now: the dynamic relocations are resolved at start and then made read-only.
  ${KIBAN_BUILD_PREFIX:-} "$SWIFT" build -c release --static-swift-stdlib --product kiban --scratch-path "$SCRATCH" \
    -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now
  BIN=$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/kiban
fi
if ldd "$BIN" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then
  echo "build-deb: $BIN still links Swift libraries dynamically (above)" >&2; exit 1
fi

# 2. The tree the package installs.
rm -rf "$SCRATCH/deb"
install -d -m 755 "$STAGE/DEBIAN" "$STAGE/usr/bin" "$STAGE/lib/systemd/system" "$STAGE/etc/kiban" \
  "$STAGE/usr/share/doc/kiban" "$STAGE/usr/share/man/man1" "$STAGE/usr/share/lintian/overrides" \
  "$STAGE/usr/share/bash-completion/completions" "$STAGE/usr/share/zsh/vendor-completions" \
  "$STAGE/usr/share/fish/vendor_completions.d"
install -m 755 "$BIN" "$STAGE/usr/bin/kiban"
strip --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/kiban"
install -m 644 systemd/kiban.service "$STAGE/lib/systemd/system/kiban.service"
# The node agent's unit: installed, not enabled (it runs on enrolled machines, not boot servers).
install -m 644 systemd/kiban-agent.service "$STAGE/lib/systemd/system/kiban-agent.service"
install -m 644 packaging/kiban.yaml "$STAGE/etc/kiban/kiban.yaml"
install -m 644 packaging/debian/copyright "$STAGE/usr/share/doc/kiban/copyright"
install -m 644 packaging/debian/lintian-overrides "$STAGE/usr/share/lintian/overrides/kiban"
for doc in operator-guide admin-api security pki nodes; do
  install -m 644 "docs/$doc.md" "$STAGE/usr/share/doc/kiban/$doc.md"
done

# 3. What is generated from the binary: completions, the man page, the CLI reference.
K=$STAGE/usr/bin/kiban
# A completion file is sourced, not run: no #! line.
"$K" --generate-completion-script bash | sed '1{/^#!/d}' >"$STAGE/usr/share/bash-completion/completions/kiban"
"$K" --generate-completion-script zsh >"$STAGE/usr/share/zsh/vendor-completions/_kiban"
"$K" --generate-completion-script fish >"$STAGE/usr/share/fish/vendor_completions.d/kiban.fish"
scripts/cli-docs.py --binary "$K" --man "$STAGE/usr/share/man/man1/kiban.1" --version "$VERSION" \
  --markdown "$STAGE/usr/share/doc/kiban/cli.md"
find "$STAGE/usr/share" -type f -exec chmod 644 {} +
DATE=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
printf 'kiban (%s) bookworm; urgency=medium\n\n  * Kiban %s.\n\n -- Kiban developers <kiban@example.org>  %s\n' \
  "$VERSION" "$VERSION" "$DATE" >"$STAGE/usr/share/doc/kiban/changelog"
gzip -9n "$STAGE/usr/share/man/man1/kiban.1" "$STAGE/usr/share/doc/kiban/changelog"

# 4. Control files: Depends from the libraries the binary really links.
SHLIBS=$(cd "$SCRATCH/deb" && mkdir -p debian && printf 'Source: kiban\n\nPackage: kiban\nArchitecture: amd64\n' >debian/control &&
  dpkg-shlibdeps -O kiban/usr/bin/kiban | sed -n 's/^shlibs:Depends=//p')
[ -n "$SHLIBS" ] || { echo "build-deb: dpkg-shlibdeps found no libraries" >&2; exit 1; }
rm -rf "$SCRATCH/deb/debian"
install -m 755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$STAGE/DEBIAN/"
echo /etc/kiban/kiban.yaml >"$STAGE/DEBIAN/conffiles"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@INSTALLED_SIZE@/$SIZE/" -e "s/@SHLIBS@/$SHLIBS/" \
  packaging/debian/control.in >"$STAGE/DEBIAN/control"

# 5. The package.
mkdir -p out
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT" >/dev/null
echo "$OUT: $(stat -c %s "$OUT") bytes; Depends: $(dpkg-deb -f "$OUT" Depends)"

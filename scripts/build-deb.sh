#!/usr/bin/env bash
# build-deb.sh - builds mail2sms_<version>_<arch>.deb with dpkg-deb, for this machine's
# architecture (dpkg --print-architecture: build on an arm64, armhf or amd64 box for that box).
#
#   scripts/build-deb.sh [--out DIR] [--clean-modules]
#
# The native modules (better-sqlite3, @serialport/bindings-cpp) are compiled here from source
# (.prebuild-installrc, scripts/build-native.sh), never downloaded prebuilt. The production node_modules are the
# checkout's, built by its `npm ci` (run here when node_modules is missing), copied and pruned
# of the development packages; --clean-modules runs `npm ci --omit=dev` in the staging copy
# instead (a second compile: slower, independent of the checkout's node_modules).
#
# Layout: /usr/lib/mail2sms (dist, node_modules, hardware/profiles), /usr/bin/mail2sms,
# /etc/mail2sms/config.yaml (conffile: config/mail2sms.yaml.example), the unit in
# /usr/lib/systemd/system, the udev rule in /usr/lib/udev/rules.d, mail2sms(8), the docs in
# /usr/share/doc/mail2sms (copyright: LICENSE). Maintainer scripts: packaging/deb/. The control
# file's Maintainer is $DEBFULLNAME <$DEBEMAIL> (as dch takes it), "mail2sms maintainers
# <root@localhost>" when they are not set: set them when building packages for a fleet.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root
clean_modules=no
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --clean-modules) clean_modules=yes; shift ;;
    *) echo "usage: scripts/build-deb.sh [--out DIR] [--clean-modules]" >&2; exit 2 ;;
  esac
done

fail() { echo "build-deb: $*" >&2; exit 1; }

# Node.js: at least what package.json's engines asks (Debian 13 has 20.19).
want=$(sed -n 's/.*"node": *">=\([0-9.]*\)".*/\1/p' package.json)
command -v node >/dev/null 2>&1 || fail "Node.js $want or later is needed and no node is on PATH (Debian 13: apt install nodejs npm)"
found=$(node -p 'process.versions.node')
if [ "$(printf '%s\n%s\n' "$want" "$found" | sort -V | head -n1)" != "$want" ]; then
  fail "Node.js $want or later is needed; found $found ($(command -v node))"
fi
command -v npm >/dev/null 2>&1 || fail "npm is needed (Debian: apt install npm)"
command -v dpkg-deb >/dev/null 2>&1 || fail "dpkg-deb is needed (a Debian system)"
if [ ! -d node_modules ] || [ "$clean_modules" = yes ]; then
  for tool in python3 make g++; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed to compile the native modules (apt install python3 make g++)"
  done
fi

version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
[ -d node_modules ] || npm ci --no-audit --no-fund

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/pkg
lib=$pkg/usr/lib/mail2sms
doc=$pkg/usr/share/doc/mail2sms
mkdir -p "$lib/hardware" "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/etc/mail2sms" "$pkg/usr/lib/systemd/system" \
  "$pkg/usr/lib/udev/rules.d" "$pkg/usr/share/man/man8" "$doc/examples"

# the code: a fresh build (no stale files of an older dist/), the modem profiles it reads
node_modules/.bin/tsc -p tsconfig.build.json --outDir "$lib/dist" --sourceMap false
chmod 0755 "$lib/dist/cli/main.js"
cp package.json "$lib/"
cp -r hardware/profiles "$lib/hardware/"

# production dependencies, native modules built on this machine
if [ "$clean_modules" = yes ]; then
  cp package-lock.json .npmrc .prebuild-installrc "$lib/"
  mkdir -p "$lib/scripts" && cp scripts/build-native.sh "$lib/scripts/"
  (cd "$lib" && npm ci --omit=dev --no-audit --no-fund)
  rm -rf "$lib/.prebuild-installrc" "$lib/scripts"
else
  cp package-lock.json .npmrc "$lib/"
  mkdir "$lib/node_modules" && cp -a node_modules/. "$lib/node_modules/"
  (cd "$lib" && npm prune --omit=dev --no-audit --no-fund)
fi
rm -rf "$lib/package-lock.json" "$lib/.npmrc" "$lib/node_modules/.package-lock.json" "$lib/node_modules/.vite" "$lib/node_modules/.vite-temp" "$lib/node_modules/.cache"
# what only the compile needed, and the prebuilt binaries some packages carry (never used: the
# modules load build/Release, compiled here)
find "$lib/node_modules" -depth \( -name prebuilds -o -path '*/build/Release/obj.target' -o -path '*/build/Release/.deps' \
  -o -path '*/build/Release/obj' -o -name test_extension.node -o -path '*/better-sqlite3/deps' -o -path '*/better-sqlite3/src' \) \
  -exec rm -rf {} +
for native in better_sqlite3.node bindings.node; do
  [ -n "$(find "$lib/node_modules" -path "*/build/Release/$native" -print -quit)" ] || fail "the native module $native was not built (npm ci with .prebuild-installrc and scripts/build-native.sh)"
done

install -m 0755 packaging/deb/mail2sms "$pkg/usr/bin/mail2sms"
install -m 0644 config/mail2sms.yaml.example "$pkg/etc/mail2sms/config.yaml"
install -m 0644 systemd/mail2sms.service "$pkg/usr/lib/systemd/system/"
install -m 0644 hardware/udev/99-mail2sms-modem.rules "$pkg/usr/lib/udev/rules.d/"
node scripts/build-man.mjs "$stage/mail2sms.8" "$lib/dist"
gzip -9n <"$stage/mail2sms.8" >"$pkg/usr/share/man/man8/mail2sms.8.gz"
cp README.md "$doc/" && cp -r docs "$doc/docs"
cp config/mail2sms.yaml.example "$doc/examples/config.yaml"
{ printf 'mail2sms\n\nLicense: %s\n\n' "$(node -p 'require("./package.json").license')"; cat LICENSE; } >"$doc/copyright"

for script in postinst prerm postrm; do install -m 0755 "packaging/deb/$script" "$pkg/DEBIAN/"; done
echo /etc/mail2sms/config.yaml >"$pkg/DEBIAN/conffiles"
cat >"$pkg/DEBIAN/control" <<EOF
Package: mail2sms
Version: $version
Architecture: $arch
Maintainer: ${DEBFULLNAME:-mail2sms maintainers} <${DEBEMAIL:-root@localhost}>
Section: mail
Priority: optional
Depends: nodejs (>= $want), adduser
Recommends: ca-certificates
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Description: email-to-SMS gateway
 $(node -p 'require("./package.json").description')
 .
 Runs as the service mail2sms (user mail2sms, in dialout), config in
 /etc/mail2sms/config.yaml, state in /var/lib/mail2sms; see mail2sms(8).
EOF
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/mail2sms_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz -z6 --build "$pkg" "$deb" >/dev/null
echo "$deb"

#!/usr/bin/env bash
# install.sh - installs mail2sms from this checkout as a Debian package: builds
# mail2sms_<version>_<arch>.deb with scripts/build-deb.sh (which refuses a Node.js older than
# package.json's engines, naming the version found) and installs it with apt, which starts the
# service. Run again after `git pull` to upgrade: the config and the queue are kept.
#
#   scripts/install.sh        (as root, or a user who may sudo)
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
command -v apt-get >/dev/null 2>&1 || { echo "install: apt-get is needed (Debian, Raspberry Pi OS)" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
deb=$(scripts/build-deb.sh --out "$out" | tail -n1)
chmod 0755 "$out" && chmod 0644 "$deb"   # apt reads it as its _apt user
$SUDO apt-get install -y "$deb"
echo "installed $(basename "$deb"): config /etc/mail2sms/config.yaml, state /var/lib/mail2sms, see man mail2sms"

#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need, builds, checks, tests.
# Debian tools: socat (pseudo-terminals for the simulated modem), swaks (a real SMTP client),
# unbound (a real DNS server on loopback for the DKIM/SPF/DMARC verdict), openssl (test TLS certificates),
# gammu (a third-party client driving the simulated modem on a pty), postfix (the site MTA in front of
# two boxes; preseeded to "No configuration", so no system instance is set up or started on port 25),
# mmdebstrap (a clean Debian 13 root for the package test, test/e2e/package.test.ts), systemd and
# systemd-container (systemd-analyze rates the unit; systemd-nspawn boots a container that runs it).
# TOOL:PACKAGE where the command is not named after its package.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"   # unbound lives in /usr/sbin

missing=()
for tool in socat swaks unbound openssl gammu postfix mmdebstrap systemd-analyze:systemd systemd-nspawn:systemd-container; do command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
npm run build
npm run typecheck
npm run lint
npx vitest run "$@"

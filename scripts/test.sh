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
# With arguments: those tests only. Without: two lanes side by side, as vitest runs one file at a
# time on a 2-core box. The package test (apt and dpkg in a clean root), the crash test and the
# end-to-end tests that spend most of their time waiting on other processes (the CLI, gammu, the
# probes) run beside the rest; every server a test starts binds a port the kernel picks, so the
# lanes cannot collide.
if [ $# -gt 0 ]; then exec npx vitest run "$@"; fi
side=(test/e2e/package.test.ts test/e2e/crash.test.ts test/e2e/cli-accounts.test.ts test/e2e/gammu-sim.test.ts test/e2e/startup-failures.test.ts test/e2e/modem-probe.test.ts test/e2e/cli.test.ts)
side_log=$(mktemp)
npx vitest run "${side[@]}" >"$side_log" 2>&1 &
side_pid=$!
status=0
npx vitest run $(printf -- '--exclude %s ' "${side[@]}") || status=1
wait "$side_pid" || status=1
echo "--- ${side[*]}"
cat "$side_log"
rm -f "$side_log"
exit "$status"

#!/bin/sh
# cpe-bridge benchmark: bridge vs a Playwright + Chromium reader, a 200-modem fleet, one 128-ONU PON.
# Builds nothing: expects build/host (or BUILD_DIR=…) with cpe-bridge and cpe-olt-read. Needs /usr/bin/chromium,
# /usr/bin/python3 (+ python3-cryptography), /usr/sbin/snmpd and Node 20; installs playwright-core with `npm ci`
# (no browser download) into bench/chromium-reader/node_modules when it is missing.
# Env: READS (default 20), FLEET (default 200), ONLY=one,fleet,pon, BUILD_DIR, CHROMIUM.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/chromium-reader/node_modules/playwright-core" ]; then
    (cd "$here/chromium-reader" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >/dev/null)
fi
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "bridge_bench: ${CHROMIUM:-/usr/bin/chromium} missing (apt-get install chromium)" >&2; exit 2; }
exec node "$here/bridge_bench.js"

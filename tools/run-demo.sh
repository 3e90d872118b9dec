#!/usr/bin/env bash
# The hub with a simulated fleet, then open http://localhost:3300/ (docs/demo.md).
#
#   tools/run-demo.sh [--no-install] [--no-build] [--check] [demo.py options: --port N --devices N --seed N …]
#
# 1. installs the run-time packages (toolchains/deps.sh install run: compilers, CMake, libraries, snmpd,
#    python3-cryptography), unless --no-install;
# 2. builds cpe-hub, cpe-agent and cpe-bridge with the host preset (build/host), unless --no-build;
# 3. runs tools/demo/demo.py: simulators, snmpd as the OLT, cpe-bridge, cpe-hub, the auth proxy on port 3300 and
#    one cpe-agent per online agent device, all on 127.0.0.1. Ctrl-C stops every process it started.
# --check starts everything, checks one serial from the simulated ERPNext end to end through port 3300, prints
# its consolidated view and exits (0 = ok).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
install=1 build=1
args=()
for a in "$@"; do
    case "$a" in
        --no-install) install=0 ;;
        --no-build) build=0 ;;
        -h|--help) sed -n '2,12p' "$0"; exec /usr/bin/python3 "$here/demo/demo.py" --help ;;
        *) args+=("$a") ;;
    esac
done

if [ "$install" = 1 ]; then
    "$repo/toolchains/deps.sh" install run
fi
if [ "$build" = 1 ]; then
    (cd "$repo" && cmake --preset host >/dev/null && cmake --build --preset host --target cpe-hub cpe-agent cpe-bridge cpe-stickers)
fi
# exec: the launcher gets the terminal's signals directly and cleans up after itself.
exec /usr/bin/python3 "$here/demo/demo.py" --bin-dir "$repo/build/host" --state-dir "$repo/build/demo" "${args[@]}"

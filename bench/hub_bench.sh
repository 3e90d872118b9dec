#!/bin/sh
# cpe-hub device API ("Diagnostiquer") benchmarks, each figure beside its baseline (measured in the same run) and goal:
#   1. GET /devices/lookup p50/p95 with every source up vs the operator's GenieACS refresh (two connection-request tasks);
#   2. lookup throughput under wrk vs hub_static_server (the hub's HTTP stack, fixed body): cached, uncached (?refresh);
#   3. one full poll of a 10,000-device simulated fleet: wall time, CPU of the hub and of the simulators.
# Builds nothing: expects BUILD_DIR (default build/host) with hub/cpe-hub, agent/cpe-agent, bridge/api/cpe-bridge and
# bench/hub_static_server (cmake --build … --target cpe-hub cpe-agent cpe-bridge hub_static_server). Needs
# /usr/bin/python3 and wrk (apt-get install -y wrk) for part 2 (skipped without it).
# Env: ONLY=lookup,throughput,poll  REQUESTS (300)  DURATION (10 s)  CONNECTIONS (16)  POLL_DEVICES (10000)
#      AGENTS (3)  POLL_AGENTS (4)  POLL_PAGE_SIZE (200); other options: bench/hub_bench.py --help (extra arguments
#      are passed on).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$here/../build/host}
exec /usr/bin/python3 "$here/hub_bench.py" --bin-dir "$build" --only "${ONLY:-lookup,throughput,poll}" \
    --requests "${REQUESTS:-300}" --duration "${DURATION:-10}" --connections "${CONNECTIONS:-16}" \
    --poll-devices "${POLL_DEVICES:-10000}" --agents "${AGENTS:-3}" --poll-agents "${POLL_AGENTS:-4}" \
    --poll-page-size "${POLL_PAGE_SIZE:-200}" "$@"

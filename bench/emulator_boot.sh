#!/usr/bin/env bash
# emulator_boot.sh [build-dir]: boots the armv7 agent in qemu-system-arm (the emulator test of
# tests/integration/agent_update) and prints boot-to-shell against boot-to-first-USP-registration, both measured
# in the same boot (the ratio is the figure to compare between runs). Needs the host and armv7 presets built.
set -euo pipefail
b=${1:-build/host}
out=$("$b/tests/integration/agent_update/agent_update_test" --gtest_filter='*Emulator*' 2>&1) || { echo "$out" | tail -n 20; exit 1; }
echo "$out" | grep -E '^emulator|SKIPPED' || { echo "no measurement in the test output" >&2; exit 1; }

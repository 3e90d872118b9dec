#!/usr/bin/env bash
# emulator_boot.sh [build-dir]: boots the armv7 agent in qemu-system-arm (virt) and the mipsel agent in
# qemu-system-mipsel (malta) — the emulator tests of tests/integration/agent_update — and prints, per
# architecture, boot-to-shell against boot-to-first-USP-registration, both measured in the same boot (the ratio is
# the figure to compare between runs). Needs the host preset built, and the armv7 and mipsel agents
# (cmake --build --preset <armv7|mipsel> --target cpe-agent); an architecture without its build is reported as
# SKIPPED with the reason.
set -euo pipefail
b=${1:-build/host}
out=$("$b/tests/integration/agent_update/agent_update_test" --gtest_filter='*Emulator*' 2>&1) || { echo "$out" | tail -n 20; exit 1; }
echo "$out" | grep -E '^emulator|SKIPPED:' || { echo "no measurement in the test output" >&2; exit 1; }

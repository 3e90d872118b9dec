#!/usr/bin/env bash
# Installs what the tests need, builds every preset the suite uses and runs the whole test suite:
#   host       unit, golden, integration tests (hub, bridge, agent ↔ hub over USP, snmpd, chromium)
#   armv7/mips the cross-built static agent: golden tests under qemu-user
#   mipsel     the agent and its packages only (the host's emulator test boots it in qemu-system-mipsel)
#   fuzz       every libFuzzer target, briefly
#   host-asan  unit tests under AddressSanitizer + UBSan
# Usage: tools/test-all.sh [--no-install] [preset…]   (default: all of the above)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

install=1
presets=()
for a in "$@"; do
    case "$a" in
        --no-install) install=0 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) presets+=("$a") ;;
    esac
done
[ ${#presets[@]} -gt 0 ] || presets=(host armv7 mips mipsel fuzz host-asan)

if [ "$install" = 1 ]; then
    toolchains/deps.sh install test
fi

jobs=$(nproc)
declare -A summary
declare -A seconds
status=0
# Every preset is built before any test runs: the host's integration tests use the cross-built agents
# (build/armv7, build/mips) under qemu-user when they exist.
for preset in "${presets[@]}"; do
    echo "=== $preset: configure + build"
    start=$(date +%s)
    # The configure's own lines go to a log; the dependency builds' progress lines (deps.sh) are shown as they come.
    set +e
    cmake --preset "$preset" 2>&1 | tee "build-$preset.log" | grep --line-buffered '^deps.sh'
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" = 0 ] || { cat "build-$preset.log"; exit 1; }
    rm -f "build-$preset.log"
    target=()
    [ "$preset" = fuzz ] && target=(--target fuzz_all)
    [ "$preset" = host-asan ] && target=(--target unit_tests)  # the ASan run is the unit tests
    [ "$preset" = mipsel ] && target=(--target cpe-agent package)  # what the MIPS emulator test boots
    cmake --build --preset "$preset" -j "$jobs" "${target[@]}"
    seconds[$preset]=$(( $(date +%s) - start ))
done
for preset in "${presets[@]}"; do
    [ "$preset" = mipsel ] && { summary[$preset]="built, tested by host (${seconds[$preset]} s)"; continue; }
    echo "=== $preset: test"
    start=$(date +%s)
    label=()
    case "$preset" in
        fuzz) label=(-L fuzz) ;;
        host-asan) label=(-L unit) ;;
    esac
    if ctest --preset "$preset" "${label[@]}" -j "$jobs"; then
        summary[$preset]="passed"
    else
        summary[$preset]="FAILED"
        status=1
    fi
    summary[$preset]+=" ($(( seconds[$preset] + $(date +%s) - start )) s)"
done
# Style and static checks (docs/ci.md): the tree matches .clang-format; clang-tidy finds nothing in the programs'
# units of the host build.
lint=""
if [[ " ${presets[*]} " == *" host "* ]]; then
    echo "=== lint"
    start=$(date +%s)
    lint="passed"
    tools/lint.sh --format || { lint="FAILED (format)"; status=1; }
    tools/lint.sh --tidy build/host || { lint="FAILED (tidy)"; status=1; }
    lint+=" ($(( $(date +%s) - start )) s)"
fi
echo "=== summary ($(( SECONDS / 60 )) min $(( SECONDS % 60 )) s in all)"
for preset in "${presets[@]}"; do echo "$preset: ${summary[$preset]}"; done
[ -z "$lint" ] || echo "lint: $lint"
exit $status

#!/usr/bin/env bash
# The agent's footprint, each figure beside a baseline measured in the same run:
#  - stripped static size per built CPE target, against a static "hello" from the same toolchain (the
#    libc floor) and the 1.5 MiB armv7 budget;
#  - peak RSS and instruction count (callgrind) of `get Device.` on the 64-host/3-node fixture, with the
#    agent built as for a CPE but for this machine (preset host-cpe: static, -Os), against `cat` of the
#    same source files (the cost of just reading the device). Budget: 4 MiB RSS.
# Usage: bench/agent_footprint.sh   (after building the host-cpe preset and any CPE presets)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
board=bench/fixtures/xx230v-64hosts
root=$board/fixtures/rootfs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
budget=$((1536 * 1024))

printf 'int main(void){return 0;}\n' >"$tmp/hello.c"
echo "== stripped static size (budget armv7 <= 1.5 MiB)"
for preset in armv7 mips mipsel aarch64; do
    bin=build/$preset/agent/cpe-agent
    [ -x "$bin" ] || continue
    cc=$(grep -m1 '^CPE_CROSS_PREFIX:' "build/$preset/CMakeCache.txt" | cut -d= -f2)gcc
    "$cc" -Os -static -s "$tmp/hello.c" -o "$tmp/hello-$preset"
    size=$(stat -c %s "$bin")
    hello=$(stat -c %s "$tmp/hello-$preset")
    awk -v p="$preset" -v s="$size" -v h="$hello" -v b="$budget" 'BEGIN {
        printf "%-8s cpe-agent %8d B  static hello %7d B  ratio %.1fx  budget use %.0f%%\n", p, s, h, s / h, 100 * s / b }'
done

agent=${CPE_HOST_AGENT:-build/host-cpe/agent/cpe-agent}
[ -x "$agent" ] || { echo "build the host-cpe preset first (cmake --preset host-cpe && cmake --build --preset host-cpe)"; exit 1; }
files=$(find "$root" -type f | sort)
echo "== host peak RSS (KiB), get Device. on 64 hosts + 3 mesh nodes"
rss_agent=$(/usr/bin/time -f %M "$agent" --board "$board" --root "$root" --now 1795000000 get Device. 2>&1 >/dev/null | tail -n1)
# shellcheck disable=SC2086
rss_cat=$(/usr/bin/time -f %M cat $files 2>&1 >/dev/null | tail -n1)
awk -v a="$rss_agent" -v c="$rss_cat" 'BEGIN { printf "cpe-agent %d KiB  cat %d KiB  ratio %.2f  (budget 4096 KiB: %.0f%%)\n", a, c, a / c, 100 * a / 4096 }'

if command -v valgrind >/dev/null; then
    echo "== instructions (callgrind)"
    valgrind --tool=callgrind --callgrind-out-file="$tmp/agent.cg" "$agent" --board "$board" --root "$root" \
        --now 1795000000 get Device. >/dev/null 2>"$tmp/agent.log"
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cat.cg" cat $files >/dev/null 2>"$tmp/cat.log"
    ia=$(grep -m1 '^summary:' "$tmp/agent.cg" | awk '{print $2}')
    ic=$(grep -m1 '^summary:' "$tmp/cat.cg" | awk '{print $2}')
    awk -v a="$ia" -v c="$ic" 'BEGIN { printf "cpe-agent %d instr  cat %d instr  ratio %.1f\n", a, c, a / c }'
fi

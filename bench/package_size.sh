#!/usr/bin/env bash
# package_size.sh <packages-dir>: size of each board's packages (packaging/) against the goal of 1.6 MiB
# compressed for agent + glue, and against the uncompressed agent binary measured in the same packages.
set -euo pipefail
dir=${1:?usage: package_size.sh <packages-dir>}
goal=$((1677722))  # 1.6 MiB
printf '%-18s %-58s %10s %8s\n' board file bytes "of goal"
for b in "$dir"/*/; do
    name=$(basename "$b")
    for f in "$b"*.ipk "$b"*-overlay.tar.gz "$b"*-bench.tar.gz "$b"*.update; do
        [ -f "$f" ] || continue
        s=$(stat -c %s "$f")
        printf '%-18s %-58s %10d %7.2fx\n' "$name" "$(basename "$f")" "$s" "$(awk "BEGIN{print $s / $goal}")"
    done
    ipk=$(ls "$b"*.ipk | head -n 1)
    agent=$(tar xzOf <(ar p "$ipk" data.tar.gz) ./usr/sbin/cpe-agent | wc -c)
    printf '%-18s agent binary uncompressed %d bytes; .ipk = %.2f of it\n' "$name" "$agent" \
        "$(awk "BEGIN{print $(stat -c %s "$ipk") / $agent}")"
done

#!/usr/bin/env bash
# fetch-debian.sh <work-dir> <debian-arch> <kernel-metapackage>
# A Debian kernel and busybox-static for a foreign architecture, with apt's own client and a private package
# list under <work-dir> (the machine's apt configuration and dpkg database are not touched), unpacked into
# <work-dir>/kernel and <work-dir>/busybox. Exit 77 (the test is then skipped with this reason) when apt cannot
# reach the Debian archive or the packages do not exist for the architecture.
set -uo pipefail
w=$1 arch=$2 meta=$3
[ -f "$w/kernel/.done" ] && [ -f "$w/busybox/bin/busybox" ] && exit 0
mkdir -p "$w/apt/lists/partial" "$w/apt/cache/archives/partial" "$w/dl"
: >"$w/apt/status"
apt=(-q -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o "Dir::State::Lists=$w/apt/lists"
     -o "Dir::Cache=$w/apt/cache" -o "Dir::State::Status=$w/apt/status")
skip() { echo "SKIP: $*" >&2; exit 77; }
apt-get "${apt[@]}" update >"$w/apt.log" 2>&1 || skip "apt-get update for $arch failed (no Debian archive reachable?): $(tail -n 2 "$w/apt.log")"
kernel=$(apt-cache "${apt[@]}" depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$kernel" ] || skip "Debian has no $meta for $arch"
(cd "$w/dl" && apt-get "${apt[@]}" download "$kernel" busybox-static >>"$w/apt.log" 2>&1) ||
    skip "apt-get download $kernel busybox-static ($arch) failed: $(tail -n 2 "$w/apt.log")"
rm -rf "$w/kernel" "$w/busybox"
dpkg-deb -x "$w"/dl/linux-image-*.deb "$w/kernel" && dpkg-deb -x "$w"/dl/busybox-static_*.deb "$w/busybox" ||
    { echo "fetch-debian: cannot unpack the packages" >&2; exit 1; }
touch "$w/kernel/.done"

#!/usr/bin/env bash
# Runs a command in a fresh Debian 12 root, as a newcomer's machine would be: a minimal base made by debootstrap,
# unpacked anew for every run, with the repository copied in at /src. Nothing of this machine's installed packages
# is seen inside: only what the project's own scripts install there.
#
#   tools/fresh-root.sh [--keep] [--cache DIR] -- COMMAND…     (as root; COMMAND runs in /src inside the root)
#
# Between runs two things are cached outside the repository (--cache, default /var/cache/cpe-fresh-root): the
# debootstrap base tarball, which holds nothing of the project, and Debian's downloaded .deb files.
# The root gets /proc, /sys, /dev (with its own /dev/shm), /run and /tmp; it runs in its own mount and PID
# namespaces (unshare), so its mounts and every process it leaves behind end with it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

keep=0
cache=/var/cache/cpe-fresh-root
while [ $# -gt 0 ]; do
    case "$1" in
        --keep) keep=1; shift ;;
        --cache) cache=$2; shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "fresh-root.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { echo "fresh-root.sh: no command given (see --help)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "fresh-root.sh: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }

say() { echo "fresh-root: $*"; }
suite=bookworm

# The Debian mirror this machine's apt uses (a fresh Debian 12 machine would have the same sources).
mirror() {
    local uri=""
    if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
        uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
              /etc/apt/sources.list.d/*.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
              /etc/apt/sources.list)
    fi
    [ -n "$uri" ] || { echo "fresh-root.sh: no Debian mirror found in this machine's apt sources" >&2; exit 1; }
    echo "$uri"
}

mkdir -p "$cache/debs"
base="$cache/$suite-minbase.tar"
if [ ! -s "$base" ]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        say "installing debootstrap on this machine (it makes the base)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    m=$(mirror)
    say "making the $suite base with debootstrap (once; cached in $base)"
    t0=$SECONDS
    tmp=$(mktemp -d /var/tmp/cpe-base.XXXXXX)
    debootstrap --variant=minbase "$suite" "$tmp" "$m" >"$cache/debootstrap.log" 2>&1 ||
        { tail -n 20 "$cache/debootstrap.log" >&2; rm -rf "$tmp"; exit 1; }
    rm -f "$tmp"/var/cache/apt/archives/*.deb
    tar -C "$tmp" -cf "$base.new" . && mv "$base.new" "$base"
    rm -rf "$tmp"
    say "base made in $((SECONDS - t0)) s"
fi

root=$(mktemp -d /var/tmp/cpe-fresh-root.XXXXXX)
cleanup() {
    local rc=$?
    # Debian's downloaded packages go back to the cache for the next run.
    cp -ln "$root"/var/cache/apt/archives/*.deb "$cache/debs/" 2>/dev/null || true
    if [ "$keep" = 1 ]; then
        say "kept $root"
    else
        rm -rf --one-file-system "$root"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # so that a stopped run still removes its root
t0=$SECONDS
tar -C "$root" -xf "$base"
# The apt sources of a fresh Debian 12 machine: this machine's (the same mirror), nothing else of it.
rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/"
fi
[ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# The machine's own network trust: local CA certificates (a registry reached through a TLS-inspecting egress needs
# them; on a machine without any this copies nothing). ca-certificates, when deps.sh installs it, adds them.
mkdir -p "$root/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
# What the Debian installer writes and debootstrap does not: a host name and /etc/hosts (localhost).
echo cpe-fresh-root >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcpe-fresh-root\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n' \
    >"$root/etc/hosts"
cp -ln "$cache"/debs/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
# The repository as a clone would have it: tracked and untracked files, no build trees or installed modules.
mkdir -p "$root/src"
tar -C "$repo" --exclude=./build --exclude=node_modules -cf - . | tar -C "$root/src" -xf -
say "root ready in $((SECONDS - t0)) s: $root (base $(du -sh "$base" | cut -f1), $(ls "$cache/debs" | wc -l) cached .deb files)"

quoted=$(printf '%q ' "$@")
unshare --mount --pid --fork --kill-child -- bash -euc '
    root=$1; cmd=$2
    mount --make-rprivate /
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
    mount -t tmpfs -o mode=755 tmpfs "$root/run"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c "cd /src && $cmd"
' fresh-root "$root" "$quoted"

#!/usr/bin/env bash
# make-package.sh: the signed agent packages of one board (packaging/README.md).
#   make-package.sh --agent <static cpe-agent> --board <boards/NAME> --arch <armv7|mips|…> --opkg-arch <arch>
#                   --version <x.y.z> --key <signing.key> --pub <signing.pub> --ca <fleet ca.pem> --out <dir>
#                   [--config <agent.json>]
# Writes into <out>/<board>/:
#   cpe-agent_<version>_<opkg-arch>.ipk      OpenWrt route (procd)
#   cpe-agent_<version>_<board>-overlay.tar.gz  vendor firmware route (rootfs overlay, sysv/busybox init)
#   cpe-agent_<version>_<board>-bench.tar.gz    bench route (UART/TFTP: the overlay + install.sh)
#   cpe-agent_<version>_<board>.update          self-update over USP (InstallDU): uncompressed ustar
# Each carries manifest.json (board, architecture, version, build id, route, sha256 of every file) and
# manifest.sig (ECDSA P-256 over SHA-256 of manifest.json, DER), verified by the agent with mbedTLS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "make-package: $*" >&2; exit 2; }
agent= board= arch= opkg_arch= version= key= pub= ca= out= config=$here/files/agent.json
while [ $# -gt 0 ]; do
    case $1 in
        --agent) agent=$2 ;; --board) board=$2 ;; --arch) arch=$2 ;; --opkg-arch) opkg_arch=$2 ;;
        --version) version=$2 ;; --key) key=$2 ;; --pub) pub=$2 ;; --ca) ca=$2 ;; --out) out=$2 ;;
        --config) config=$2 ;;
        *) die "unknown argument $1" ;;
    esac
    shift 2 || die "$1 needs a value"
done
for v in agent board arch opkg_arch version key pub ca out; do [ -n "${!v}" ] || die "--${v//_/-} is required"; done
for f in "$agent" "$board/profile.json" "$key" "$pub" "$ca" "$config"; do [ -f "$f" ] || die "$f: no such file"; done
name=$(sed -n 's/^ *"board": *"\([^"]*\)".*/\1/p' "$board/profile.json" | head -n 1)
[ -n "$name" ] || die "$board/profile.json has no \"board\" name"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# The build id names this exact agent binary and board profile: a new build is a new slot on the device.
build_id=$(cat "$agent" "$board/profile.json" | sha256sum | cut -c1-16)
mkdir -p "$out"
dest=$(cd "$out" && pwd)/$name
rm -rf "$dest"
mkdir -p "$dest"
tarflags=(--owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name --format=ustar)

# The payload every route shares.
stage() {  # <dir> <route>
    local d=$1
    install -D -m 0755 "$agent" "$d/usr/sbin/cpe-agent"
    install -D -m 0644 "$board/profile.json" "$d/etc/cpe-agent/board/profile.json"
    [ "$2" = update ] && return 0
    install -D -m 0755 "$here/files/supervise" "$d/usr/lib/cpe-agent/supervise"
    install -D -m 0755 "$here/files/identity" "$d/usr/lib/cpe-agent/identity"
    install -D -m 0644 "$config" "$d/etc/cpe-agent/agent.json"
    install -D -m 0644 "$ca" "$d/etc/cpe-agent/ca.pem"
    install -D -m 0644 "$pub" "$d/etc/cpe-agent/signing.pub"
    case $2 in
        openwrt) install -D -m 0755 "$here/files/procd-init" "$d/etc/init.d/cpe-agent" ;;
        vendor|bench) install -D -m 0755 "$here/files/sysv-init" "$d/etc/init.d/S95cpe-agent" ;;
    esac
}
# manifest.json + manifest.sig of a staged tree, written to <dir>/<meta> (meta is a path inside the tree).
sign() {  # <dir> <route> <meta-dir>
    local d=$1 m=$1/$3 first=1 skip=./$3/manifest.*
    [ "$3" = . ] && skip='./manifest.*'
    mkdir -p "$m"
    {
        printf '{\n  "format": 1,\n  "board": "%s",\n  "architecture": "%s",\n  "version": "%s",\n' "$name" "$arch" "$version"
        printf '  "build_id": "%s",\n  "route": "%s",\n  "files": [\n' "$build_id" "$2"
        (cd "$d" && find . -type f ! -path "$skip" | sed 's|^\./||' | LC_ALL=C sort) | while read -r f; do
            [ $first = 1 ] || printf ',\n'
            first=0
            printf '    {"path": "%s", "size": %s, "mode": "%s", "sha256": "%s"}' "$f" "$(stat -c %s "$d/$f")" \
                "$(stat -c %a "$d/$f")" "$(sha "$d/$f")"
        done
        printf '\n  ]\n}\n'
    } >"$m/manifest.json"
    openssl dgst -sha256 -sign "$key" -out "$m/manifest.sig" "$m/manifest.json"
    openssl dgst -sha256 -verify "$pub" -signature "$m/manifest.sig" "$m/manifest.json" >/dev/null \
        || die "$pub does not verify what $key signed: not a key pair"
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. OpenWrt .ipk: an ar archive of debian-binary, control.tar.gz, data.tar.gz (as opkg reads it).
d=$work/openwrt/data
stage "$d" openwrt
sign "$d" openwrt usr/lib/cpe-agent
c=$work/openwrt/control
mkdir -p "$c"
cat >"$c/control" <<CONTROL
Package: cpe-agent
Version: $version
Architecture: $opkg_arch
Maintainer: cpe-fleet
Section: net
Priority: optional
Installed-Size: $(du -sk "$d" | cut -f1)
Description: TR-181 USP agent for the CPE fleet ($name, build $build_id)
CONTROL
printf '/etc/cpe-agent/agent.json\n' >"$c/conffiles"
cat >"$c/postinst" <<'POSTINST'
#!/bin/sh
# OpenWrt's default: enable and start the service (not when building an image: IPKG_INSTROOT set).
[ -n "$IPKG_INSTROOT" ] && exit 0
/etc/init.d/cpe-agent enable
/etc/init.d/cpe-agent restart
exit 0
POSTINST
cat >"$c/prerm" <<'PRERM'
#!/bin/sh
[ -n "$IPKG_INSTROOT" ] && exit 0
/etc/init.d/cpe-agent stop
/etc/init.d/cpe-agent disable
exit 0
PRERM
chmod 0755 "$c/postinst" "$c/prerm"
printf '2.0\n' >"$work/openwrt/debian-binary"
tar "${tarflags[@]}" -C "$d" -czf "$work/openwrt/data.tar.gz" .
tar "${tarflags[@]}" -C "$c" -czf "$work/openwrt/control.tar.gz" .
ipk=$dest/cpe-agent_${version}_${opkg_arch}.ipk
rm -f "$ipk.tmp"
(cd "$work/openwrt" && ar rc "$ipk.tmp" debian-binary control.tar.gz data.tar.gz)
mv "$ipk.tmp" "$ipk"

# 2. Vendor rootfs overlay: unpacked at the root of the image's rootfs by the vendor SDK build.
d=$work/vendor
stage "$d" vendor
sign "$d" vendor usr/lib/cpe-agent
tar "${tarflags[@]}" -C "$d" -czf "$dest/cpe-agent_${version}_${name}-overlay.tar.gz" .

# 3. Bench bundle: the overlay and install.sh for a unit reached over UART/TFTP.
d=$work/bench
stage "$d/root" bench
sign "$d/root" bench usr/lib/cpe-agent
cp "$here/files/bench-install.sh" "$d/install.sh"
chmod 0755 "$d/install.sh"
tar "${tarflags[@]}" -C "$d" -czf "$dest/cpe-agent_${version}_${name}-bench.tar.gz" .

# 4. Self-update (InstallDU): manifest.json and manifest.sig first, then the files, uncompressed ustar.
d=$work/update
stage "$d" update
sign "$d" update .
(cd "$d" && find usr etc -type f | LC_ALL=C sort >"$work/update.list" &&
    tar "${tarflags[@]}" --no-recursion -cf "$dest/cpe-agent_${version}_${name}.update" manifest.json manifest.sig \
        -T "$work/update.list")
echo "$name: build $build_id, packages in $dest"

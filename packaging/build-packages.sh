#!/usr/bin/env bash
# build-packages.sh: make-package.sh for each board folder given, with the fleet's signing key and CA or, when
# none is given, a test key and a test CA made once in --work (the packages then say so on every build).
#   build-packages.sh --agent <bin> --arch <t> --opkg-arch <a> --version <v> --key <file|""> --ca <file|"">
#                     --work <dir> --out <dir> <board-dir>...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
agent= arch= opkg_arch= version= key= ca= work= out=
boards=()
while [ $# -gt 0 ]; do
    case $1 in
        --agent) agent=$2; shift 2 ;; --arch) arch=$2; shift 2 ;; --opkg-arch) opkg_arch=$2; shift 2 ;;
        --version) version=$2; shift 2 ;; --key) key=$2; shift 2 ;; --ca) ca=$2; shift 2 ;;
        --work) work=$2; shift 2 ;; --out) out=$2; shift 2 ;;
        *) boards+=("$1"); shift ;;
    esac
done
[ ${#boards[@]} -gt 0 ] || { echo "build-packages: no board has target $arch (boards/*/profile.json)" >&2; exit 2; }
mkdir -p "$work"
if [ -z "$key" ]; then
    [ -f "$work/test-key/signing.key" ] || "$here/../provisioning/signing/make-signing-key.sh" "$work/test-key" >/dev/null
    key=$work/test-key/signing.key
    echo "build-packages: WARNING: signed with a TEST key ($key); give the fleet key with -DCPE_SIGNING_KEY=<file>"
fi
pub=$work/signing.pub
openssl ec -in "$key" -pubout -out "$pub" 2>/dev/null || { echo "build-packages: $key is not an EC private key" >&2; exit 2; }
if [ -z "$ca" ]; then
    [ -f "$work/test-ca/ca.pem" ] || "$here/../provisioning/certs/make-certs.sh" "$work/test-ca" hub.example.net >/dev/null
    ca=$work/test-ca/ca.pem
    echo "build-packages: WARNING: a TEST fleet CA ($ca); give the fleet's with -DCPE_FLEET_CA=<file>"
fi
rm -rf "$out"
for b in "${boards[@]}"; do
    "$here/make-package.sh" --agent "$agent" --board "$b" --arch "$arch" --opkg-arch "$opkg_arch" \
        --version "$version" --key "$key" --pub "$pub" --ca "$ca" --out "$out"
done

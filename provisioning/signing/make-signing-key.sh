#!/usr/bin/env bash
# make-signing-key.sh <out-dir>
# An ECDSA P-256 key pair for signing agent package manifests: <out-dir>/signing.key (private, mode 0600) and
# <out-dir>/signing.pub (the public key the agent verifies updates with, shipped in every package as
# /etc/cpe-agent/signing.pub). For tests and labs; a fleet's real key is made once, kept offline and passed to
# the build as -DCPE_SIGNING_KEY=<file>. Never commit the .key file.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <out-dir>" >&2; exit 2; }
out=$1
mkdir -p "$out"
if [ -e "$out/signing.key" ]; then
    echo "$out/signing.key exists: not overwritten" >&2
    exit 1
fi
( umask 077; openssl ecparam -name prime256v1 -genkey -noout -out "$out/signing.key" 2>/dev/null )
openssl ec -in "$out/signing.key" -pubout -out "$out/signing.pub" 2>/dev/null
echo "signing key in $out/signing.key, public key in $out/signing.pub"

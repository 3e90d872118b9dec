#!/usr/bin/env bash
# sign-csr.sh <ca-dir> <device.csr> <out.pem> [days]
# The fleet CA signs a device's CSR (made on the device by `cpe-agent make-csr`, its key never leaves it).
# Checked first: the CSR's own signature, and a subject that is exactly CN=<USP endpoint id> of the form
# os::<OUI>-<serial> (the id the hub binds to the certificate). The certificate gets SAN URI = that id and
# clientAuth; default lifetime 825 days (renewal: a new CSR from the device, signed the same way).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 <ca-dir> <device.csr> <out.pem> [days]" >&2; exit 2; }
ca=$1 csr=$2 out=$3 days=${4:-825}
[ -f "$ca/ca.pem" ] && [ -f "$ca/ca.key" ] || { echo "sign-csr: $ca has no ca.pem + ca.key (make-certs.sh makes them)" >&2; exit 2; }
openssl req -in "$csr" -noout -verify 2>/dev/null || { echo "sign-csr: $csr: not a CSR or its signature is bad" >&2; exit 1; }
subject=$(openssl req -in "$csr" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
cn=${subject#CN=}
if [ "$subject" = "$cn" ] || ! printf '%s' "$cn" | grep -Eqx 'os::[0-9A-F]{6}-[A-Za-z0-9._-]{1,40}'; then
    echo "sign-csr: $csr: subject '$subject' is not CN=os::<OUI>-<serial>" >&2
    exit 1
fi
ext=$(mktemp)
trap 'rm -f "$ext"' EXIT
printf 'subjectAltName=URI:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' "$cn" >"$ext"
openssl x509 -req -in "$csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -days "$days" -sha256 \
    -extfile "$ext" -out "$out" 2>/dev/null
echo "$cn: $out"
